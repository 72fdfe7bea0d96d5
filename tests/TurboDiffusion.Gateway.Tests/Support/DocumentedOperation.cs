using System.Text.Json;

namespace TurboDiffusion.Gateway.Tests.Support;

/// <summary>One operation (path and method) of the gateway's OpenAPI document, with its schemas resolved.</summary>
internal sealed record DocumentedOperation(
    string Method,
    string Template,
    IReadOnlyList<DocumentedParameter> Parameters,
    string? BodyType,
    JsonElement? BodySchema,
    bool Streams)
{
    public override string ToString() => $"{Method} {Template}";

    /// <summary>Every operation of <paramref name="document"/>; <c>$ref</c>s into components/schemas are resolved.</summary>
    public static IReadOnlyList<DocumentedOperation> AllOf(JsonElement document)
    {
        var operations = new List<DocumentedOperation>();
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                var parameters = operation.Value.TryGetProperty("parameters", out var list)
                    ? list.EnumerateArray().Select(p => new DocumentedParameter(
                        p.GetProperty("name").GetString()!,
                        p.GetProperty("in").GetString()!,
                        Resolve(document, p.TryGetProperty("schema", out var schema) ? schema : default),
                        p.TryGetProperty("required", out var required) && required.GetBoolean())).ToList()
                    : [];
                string? bodyType = null;
                JsonElement? bodySchema = null;
                if (operation.Value.TryGetProperty("requestBody", out var body))
                {
                    var content = body.GetProperty("content").EnumerateObject().First();
                    bodyType = content.Name;
                    bodySchema = Resolve(document, content.Value.TryGetProperty("schema", out var schema) ? schema : default);
                }

                var streams = operation.Value.TryGetProperty("responses", out var responses)
                    && responses.EnumerateObject().Any(r => r.Value.TryGetProperty("content", out var c) && c.TryGetProperty("text/event-stream", out _));
                operations.Add(new DocumentedOperation(operation.Name.ToUpperInvariant(), path.Name, parameters, bodyType, bodySchema, streams));
            }
        }

        return operations;
    }

    /// <summary>Follows a <c>$ref</c> into components/schemas; other schemas come back as they are.</summary>
    public static JsonElement Resolve(JsonElement document, JsonElement schema)
    {
        if (schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("$ref", out var reference))
        {
            var name = reference.GetString()!.Split('/')[^1];
            return Resolve(document, document.GetProperty("components").GetProperty("schemas").GetProperty(name));
        }

        return schema;
    }
}

internal sealed record DocumentedParameter(string Name, string In, JsonElement Schema, bool Required);
