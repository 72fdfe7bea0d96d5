using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using TurboDiffusion.Client.Models;

namespace TurboDiffusion.Gateway.Hosting;

/// <summary>
/// Describes the API's vocabulary (resolution, aspect ratio, status, priority) as the string enums the wire carries:
/// their converter writes names, which the schema generator cannot see through.
/// </summary>
internal sealed class WireEnumSchemaTransformer : IOpenApiSchemaTransformer
{
    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(context);
        if (WireNames.TryGetAll(context.JsonTypeInfo.Type, out var names))
        {
            schema.Type = JsonSchemaType.String;
            schema.Enum = [.. names.Select(n => (JsonNode)JsonValue.Create(n))];
        }

        return Task.CompletedTask;
    }
}
