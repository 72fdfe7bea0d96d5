using System.Text.Json.Serialization;

namespace TurboDiffusion.Client.Models;

/// <summary>The short side of the frame: 144p (256x144 at 16:9, previews and the tiny model), 480p or 720p.</summary>
[WireEnum("resolution")]
public enum JobResolution
{
    [JsonStringEnumMemberName("144p")]
    P144,

    [JsonStringEnumMemberName("480p")]
    P480,

    [JsonStringEnumMemberName("720p")]
    P720,
}
