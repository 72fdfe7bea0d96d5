using System.Text.Json.Serialization;

namespace TurboDiffusion.Client.Models;

/// <summary>What a running job does now; the names of <see cref="ProgressView.Stage"/> and <see cref="JobProgressEvent.Stage"/>.</summary>
[WireEnum("stage")]
public enum JobStage
{
    [JsonStringEnumMemberName("loading_model")]
    LoadingModel,

    [JsonStringEnumMemberName("encoding_text")]
    EncodingText,

    [JsonStringEnumMemberName("encoding_image")]
    EncodingImage,

    [JsonStringEnumMemberName("denoising")]
    Denoising,

    [JsonStringEnumMemberName("decoding")]
    Decoding,

    [JsonStringEnumMemberName("writing")]
    Writing,

    [JsonStringEnumMemberName("uploading")]
    Uploading,
}
