using System.Text.Json.Serialization;

namespace TurboDiffusion.Client.Models;

/// <summary>
/// Marks an enum of the API's vocabulary: each member carries its wire name (<see cref="JsonStringEnumMemberNameAttribute"/>),
/// and every serializer, whatever its options, reads and writes the enum by those names (see <see cref="WireNames"/>).
/// </summary>
/// <param name="noun">What one value is called in a problem: "'1080p' is not a <c>resolution</c>; use 144p, 480p or 720p."</param>
[AttributeUsage(AttributeTargets.Enum)]
public sealed class WireEnumAttribute(string noun) : JsonConverterAttribute
{
    public string Noun { get; } = noun;

    /// <summary>Also read a member's number (a JSON number or digits), as REST answers carried it before the names.</summary>
    public bool ReadsNumbers { get; init; }

    public override JsonConverter? CreateConverter(Type typeToConvert) =>
        (JsonConverter?)Activator.CreateInstance(typeof(WireEnumConverter<>).MakeGenericType(typeToConvert));
}
