using System.Text.Json;
using System.Text.Json.Serialization;

namespace TurboDiffusion.Client.Models;

/// <summary>The wire format shared by the gateway and the client: camelCase names, enums as names, nulls left out.</summary>
public static class TurboJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    /// <summary>An enum value as the wire writes it ("succeeded", "urgent"); also the keys of counts by status or priority.</summary>
    public static string Name<T>(T value)
        where T : struct, Enum => JsonNamingPolicy.CamelCase.ConvertName(value.ToString());

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
