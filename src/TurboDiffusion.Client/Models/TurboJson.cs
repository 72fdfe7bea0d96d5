using System.Text.Json;
using System.Text.Json.Serialization;

namespace TurboDiffusion.Client.Models;

/// <summary>The wire format shared by the gateway and the client: camelCase names, enums as names, nulls left out.</summary>
public static class TurboJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
