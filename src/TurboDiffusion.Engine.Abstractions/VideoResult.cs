namespace TurboDiffusion.Engine;

/// <summary>What one generation produced and how long each stage took.</summary>
/// <param name="FramesDirectory">PNG frames, when requested.</param>
/// <param name="StageTimings">Wall time per stage that ran.</param>
/// <param name="Encoder">What wrote the video, e.g. "ffmpeg (libx264)"; null where an engine does not say.</param>
/// <param name="StagePeakAllocatedBytes">Per stage, the device memory live tensors held at its peak (weights included), where the engine can tell.</param>
/// <param name="Resumed">Set when the render went on from a step checkpoint instead of the first step.</param>
/// <param name="EncodedWhileDecoding">The encoder took each decoded chunk's frames as they came: Decoding and Writing
/// overlapped, Decoding's time includes feeding the encoder and Writing is only its finish.</param>
public sealed record VideoResult(
    string VideoPath,
    string SidecarPath,
    string? FramesDirectory,
    int Width,
    int Height,
    int Frames,
    IReadOnlyDictionary<GenerationStage, TimeSpan> StageTimings,
    string? Encoder = null,
    IReadOnlyDictionary<GenerationStage, long>? StagePeakAllocatedBytes = null,
    ResumedRender? Resumed = null,
    bool EncodedWhileDecoding = false);

/// <summary>A model held in memory.</summary>
/// <param name="Attention">What its DiT's self-attention runs, as decided at load (e.g. "sla (top-k 0.1, blocks 128/64; ...)");
/// null where an engine does not say.</param>
/// <param name="Linears">How its DiT's block linears run, as decided at load (e.g. "int8 (W8A8, quantized at load)"); null where an engine does not say.</param>
public sealed record ResidentModel(string Model, string Description, long Bytes, string? Attention = null, string? Linears = null);

/// <summary>What the engine holds: its device and resident models with their memory.</summary>
/// <param name="Device">e.g. "cuda:0 (NVIDIA H100 80GB HBM3)" or "cpu".</param>
/// <param name="Encoder">The video encoder it writes MP4s with, e.g. "ffmpeg (libx264)"; null where an engine does not say.</param>
public sealed record EngineStatus(string Device, IReadOnlyList<ResidentModel> Models, long DeviceBytesInUse, long DeviceBytesTotal, string? Encoder = null);
