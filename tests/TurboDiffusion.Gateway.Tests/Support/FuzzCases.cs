using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TurboDiffusion.Gateway.Tests.Support;

/// <summary>Ids the fuzz aims at: the victim tenant's (which no other caller may touch) and the fuzzing tenant's own.</summary>
internal sealed record FuzzIds(IReadOnlyList<string> VictimJobs, IReadOnlyList<string> VictimBatches, IReadOnlyList<string> OwnJobs, IReadOnlyList<string> OwnBatches);

/// <summary>
/// Bounded random and boundary requests for one documented operation, from a seeded <see cref="Random"/> so every run
/// sends the same requests. Cases rotate through the callers (no key, the fuzzing tenant, the admin) and, in steps of
/// three, through the kinds of path value and body, so each kind reaches each caller.
/// </summary>
internal sealed class FuzzCases(JsonElement document, Random random, FuzzIds ids, string fuzzingTenant, int maxJobBodyBytes, int maxBatchLineBytes)
{
    public const string Admin = "admin";

    private static readonly string[] QueryValues =
        ["", "-1", "0", "1", "2147483647", "2147483648", "-2147483649", "99999999999999999999999", "1e309", "1.5", "not-a-value", "QUEUED", "null", "' OR 1=1 --", "%00", "ジョブ🎬", new string('q', 1500)];

    private static readonly string[] LastEventIds = ["abc", "-1", "0", "99999999999999999999999", "1:2", "   ", new string('9', 4000)];

    private static readonly string[] Accepts = ["application/json", "text/event-stream", "text/html", "*/*", "application/xml", "garbage", "text/html, application/xhtml+xml;q=0.9"];

    private static readonly object[] BoundaryNumbers = [0, -1, int.MaxValue, int.MinValue, long.MaxValue, long.MinValue, 1.5, "1e400", "-0", "99999999999999999999999"];

    private static readonly string[] TypePreference = ["integer", "number", "boolean", "array", "object", "string"];

    private readonly string[] callers = [FuzzCase.Anonymous, fuzzingTenant, Admin];

    public IEnumerable<FuzzCase> For(DocumentedOperation operation, int count)
    {
        for (var number = 0; number < count; number++)
        {
            var caller = callers[number % callers.Length];
            var round = number / callers.Length;
            var intents = new List<string>();
            var path = operation.Template;
            foreach (var parameter in operation.Parameters.Where(p => p.In == "path"))
            {
                var (segment, intent) = PathValue(operation, caller, round);
                path = path.Replace($"{{{parameter.Name}}}", segment, StringComparison.Ordinal);
                intents.Add($"{parameter.Name}: {intent}");
            }

            var query = new List<string>();
            foreach (var parameter in operation.Parameters.Where(p => p.In == "query" && random.Next(10) < 6))
            {
                query.Add($"{Uri.EscapeDataString(parameter.Name)}={Uri.EscapeDataString(QueryValue(parameter))}");
            }

            if (random.Next(10) == 0)
            {
                query.Add("unknownParameter=1");
            }

            byte[]? body = null;
            string? contentType = null;
            if (operation.BodyType is not null)
            {
                (body, contentType, var intent) = Body(operation, round);
                intents.Add($"body: {intent}");
            }
            else if (random.Next(8) == 0)
            {
                (body, contentType) = (Encoding.UTF8.GetBytes("{\"unexpected\": [1, 2"), "application/json");
                intents.Add("body: unexpected garbage");
            }

            var pathAndQuery = query.Count == 0 ? path : $"{path}?{string.Join('&', query)}";
            yield return new FuzzCase(operation, number, caller, pathAndQuery, Headers(operation), body, contentType, string.Join("; ", intents));
        }
    }

    private (string Segment, string Intent) PathValue(DocumentedOperation operation, string caller, int round)
    {
        var batches = operation.Template.StartsWith("/v1/batches", StringComparison.Ordinal);
        var own = caller == FuzzCase.Anonymous ? Pick(batches ? ids.VictimBatches : ids.VictimJobs) : Pick(batches ? ids.OwnBatches : ids.OwnJobs);
        // The admin may act on every tenant's jobs, so it is aimed at the fuzzing tenant's ids only: the victim's jobs must stay as they were.
        var otherTenants = caller == Admin ? own : Pick(batches ? ids.VictimBatches : ids.VictimJobs);
        return (round % 10) switch
        {
            0 => (Uri.EscapeDataString(own), "the caller's own id"),
            1 => (Uri.EscapeDataString(otherTenants), "another tenant's id"),
            2 => (Uri.EscapeDataString(Garbage()), "garbage"),
            // Kestrel answers a request line over 8 KiB with a bodiless 414 before the gateway runs, so long ids stay under it.
            3 => (new string('x', 3000 + random.Next(1000)), "a very long id"),
            4 => (Uri.EscapeDataString("ジョブ-🎬-" + own), "unicode"),
            5 => ("..", "'..'"),
            6 => ("%2E%2E%2F%2E%2E%2Fetc%2Fpasswd", "encoded traversal"),
            7 => (Uri.EscapeDataString(random.Next(2) == 0 ? "-1" : "99999999999999999999999"), "a number"),
            8 => ("%20", "blank"),
            _ => (Uri.EscapeDataString(own + "\"';<script>"), "an id with quotes and markup"),
        };
    }

    private string QueryValue(DocumentedParameter parameter)
    {
        var schema = DocumentedOperation.Resolve(document, parameter.Schema);
        if (schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("enum", out var values) && random.Next(3) == 0)
        {
            var choices = values.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).ToList();
            if (choices.Count > 0)
            {
                return choices[random.Next(choices.Count)].GetString()!;
            }
        }

        return parameter.Name switch
        {
            "tenant" when random.Next(3) == 0 => "fuzz-a",
            "cursor" when random.Next(3) == 0 => Convert.ToBase64String(Encoding.UTF8.GetBytes("{\"garbage\":true}")),
            _ => Pick(QueryValues),
        };
    }

    private List<KeyValuePair<string, string>> Headers(DocumentedOperation operation)
    {
        var headers = new List<KeyValuePair<string, string>>();
        var idempotencyKey = random.Next(8) switch
        {
            0 or 1 => null,
            2 => "",
            3 => new string('k', 8000),
            4 => "  spaced\tkey  ",
            _ => FreshKey(),
        };
        if (idempotencyKey is not null && (operation.Method == "POST" || random.Next(4) == 0))
        {
            headers.Add(new("Idempotency-Key", idempotencyKey));
        }

        if (operation.Streams ? random.Next(3) > 0 : random.Next(6) == 0)
        {
            headers.Add(new("Last-Event-ID", Pick(LastEventIds)));
        }

        if (random.Next(5) > 0)
        {
            headers.Add(new("Accept", Pick(Accepts)));
        }

        return headers;
    }

    private (byte[] Body, string? ContentType, string Intent) Body(DocumentedOperation operation, int round)
    {
        var lines = operation.BodyType == "application/x-ndjson";
        var limit = lines ? maxBatchLineBytes : maxJobBodyBytes;
        var schema = operation.BodySchema!.Value;
        var valid = Valid(schema);
        var (text, intent) = (round % 10) switch
        {
            0 => (valid.ToJsonString(), "valid"),
            1 => (Without(valid, Pick(Required(schema))).ToJsonString(), "a required field missing"),
            2 => (WithWrongType(schema, valid), "a field of the wrong type"),
            3 => (WithBoundaryNumber(schema, valid), "a boundary number"),
            4 => (WithString(valid, Pick(Required(schema)), limit - 200 - random.Next(100)), "a string just under the size limit"),
            5 => (WithString(valid, Pick(Required(schema)), limit + 100), "a string over the size limit"),
            6 => (WithNestedGarbage(valid, Pick(Properties(schema))), "nested garbage"),
            7 => (Pick(["{", "{\"prompt\": \"a fox\",}", "[]", "null", "\"text\"", "{\"prompt\": \"\\ud800\"}", "\u00ef\u00bb\u00bf{}"]), "invalid json"),
            8 => ("", "empty"),
            _ => (Unknown(valid).ToJsonString(), "unknown fields"),
        };
        if (lines && round % 10 is not (7 or 8) && random.Next(2) == 0)
        {
            text = $"{Valid(schema).ToJsonString()}\n\n{text}\n";
            intent += " after a valid line and an empty one";
        }

        var bytes = round % 10 == 7 && random.Next(3) == 0 ? [0xFF, 0xFE, 0x7B, 0x00] : Encoding.UTF8.GetBytes(text);
        var contentType = random.Next(6) switch
        {
            0 => null,
            1 => "text/plain",
            2 => lines ? "application/json" : "application/x-ndjson",
            _ => operation.BodyType,
        };
        return (bytes, contentType, intent);
    }

    private JsonObject Valid(JsonElement schema)
    {
        var body = new JsonObject();
        foreach (var name in Required(schema))
        {
            body[name] = ValidValue(PropertySchema(schema, name), name);
        }

        return body;
    }

    private JsonNode? ValidValue(JsonElement schema, string name)
    {
        if (schema.TryGetProperty("enum", out var values))
        {
            return JsonNode.Parse(values.EnumerateArray().First(v => v.ValueKind != JsonValueKind.Null).GetRawText());
        }

        return TypeOf(schema) switch
        {
            "integer" or "number" => 1,
            "boolean" => false,
            "array" => new JsonArray(),
            "object" => new JsonObject(),
            _ => $"a fuzzed {name} {random.Next(1000)}",
        };
    }

    private string WithWrongType(JsonElement schema, JsonObject valid)
    {
        var name = Pick(Properties(schema));
        valid[name] = TypeOf(PropertySchema(schema, name)) switch
        {
            "integer" or "number" => Pick<JsonNode>(["many", true, new JsonObject { ["n"] = 1 }]),
            "boolean" => Pick<JsonNode>(["yes", 1]),
            "string" => Pick<JsonNode>([12345, false, new JsonArray(1, 2)]),
            _ => "not structured",
        };
        return valid.ToJsonString();
    }

    private string WithBoundaryNumber(JsonElement schema, JsonObject valid)
    {
        var numbers = Properties(schema).Where(p => TypeOf(PropertySchema(schema, p)) is "integer" or "number").ToList();
        var name = numbers.Count > 0 ? Pick(numbers) : Pick(Properties(schema));
        var number = Pick(BoundaryNumbers);
        // Raw JSON so values beyond double and long ("1e400") reach the server as written.
        valid[name] = 0;
        var raw = number is string text ? text : Convert.ToString(number, CultureInfo.InvariantCulture)!;
        return valid.ToJsonString().Replace($"\"{name}\":0", $"\"{name}\":{raw}", StringComparison.Ordinal);
    }

    private static string WithString(JsonObject valid, string name, int length)
    {
        valid[name] = new string('s', Math.Max(0, length));
        return valid.ToJsonString();
    }

    private string WithNestedGarbage(JsonObject valid, string name)
    {
        var depth = random.Next(2) == 0 ? 5 : 200;
        valid[name] = JsonNode.Parse(new string('[', depth) + "{\"x\": null}" + new string(']', depth), documentOptions: new JsonDocumentOptions { MaxDepth = 1000 });
        return valid.ToJsonString(new JsonSerializerOptions { MaxDepth = 1000 });
    }

    private static JsonObject Without(JsonObject valid, string name)
    {
        valid.Remove(name);
        return valid;
    }

    private static JsonObject Unknown(JsonObject valid)
    {
        valid["unknownField"] = new JsonObject { ["deep"] = new JsonArray(1, "two", null) };
        return valid;
    }

    private static List<string> Required(JsonElement schema) =>
        schema.TryGetProperty("required", out var required) ? [.. required.EnumerateArray().Select(r => r.GetString()!)] : Properties(schema).Take(1).ToList();

    private static List<string> Properties(JsonElement schema) =>
        schema.TryGetProperty("properties", out var properties) ? [.. properties.EnumerateObject().Select(p => p.Name)] : ["field"];

    private JsonElement PropertySchema(JsonElement schema, string name) =>
        schema.TryGetProperty("properties", out var properties) && properties.TryGetProperty(name, out var property)
            ? DocumentedOperation.Resolve(document, property)
            : default;

    private string TypeOf(JsonElement schema)
    {
        if (schema.ValueKind != JsonValueKind.Object)
        {
            return "string";
        }

        foreach (var variants in new[] { "oneOf", "anyOf", "allOf" })
        {
            if (schema.TryGetProperty(variants, out var options))
            {
                return options.EnumerateArray().Select(o => TypeOf(DocumentedOperation.Resolve(document, o))).FirstOrDefault(t => t != "null") ?? "string";
            }
        }

        if (!schema.TryGetProperty("type", out var type))
        {
            return "string";
        }

        var types = type.ValueKind == JsonValueKind.Array ? type.EnumerateArray().Select(t => t.GetString()!).ToList() : [type.GetString()!];
        return TypePreference.FirstOrDefault(types.Contains) ?? "string";
    }

    private string FreshKey()
    {
        var bytes = new byte[16];
        random.NextBytes(bytes);
        return new Guid(bytes).ToString();
    }

    private T Pick<T>(IReadOnlyList<T> choices) => choices[random.Next(choices.Count)];

    private string Garbage()
    {
        const string alphabet = "abcXYZ019-_.~!$&'()*+,;=:@%";
        return new string([.. Enumerable.Range(0, 1 + random.Next(40)).Select(_ => alphabet[random.Next(alphabet.Length)])]);
    }
}
