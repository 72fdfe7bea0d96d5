using System.Text.Json;
using System.Text.Json.Serialization;

namespace TurboDiffusion.Client.Models;

/// <summary>
/// The wire format shared by the gateway and the client: camelCase names, nulls left out, and the vocabulary's enums
/// by their wire names (they carry their own converter, see <see cref="WireNames"/>).
/// </summary>
public static class TurboJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
