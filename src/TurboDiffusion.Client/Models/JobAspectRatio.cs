using System.Text.Json.Serialization;

namespace TurboDiffusion.Client.Models;

/// <summary>Frame aspect ratio, width:height.</summary>
[WireEnum("aspect ratio")]
public enum JobAspectRatio
{
    [JsonStringEnumMemberName("16:9")]
    Landscape16x9,

    [JsonStringEnumMemberName("9:16")]
    Portrait9x16,

    [JsonStringEnumMemberName("1:1")]
    Square1x1,

    [JsonStringEnumMemberName("4:3")]
    Landscape4x3,

    [JsonStringEnumMemberName("3:4")]
    Portrait3x4,
}
