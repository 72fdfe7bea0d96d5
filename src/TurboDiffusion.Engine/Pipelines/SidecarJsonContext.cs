using System.Text.Json;
using System.Text.Json.Serialization;

namespace TurboDiffusion.Engine.Pipelines;

/// <summary>
/// Source-generated JSON for video sidecars: camelCase, enums by name, indented for people reading the
/// sidecar; a file missing a field is rejected rather than read as zero.
/// </summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    WriteIndented = true,
    UseStringEnumConverter = true,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(VideoSidecar))]
internal sealed partial class SidecarJsonContext : JsonSerializerContext;
