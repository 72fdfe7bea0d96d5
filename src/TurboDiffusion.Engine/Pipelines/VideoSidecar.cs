using System.Reflection;
using TurboDiffusion.Engine.Media;

namespace TurboDiffusion.Engine.Pipelines;

/// <summary>What a video shows and how it was made; stored as JSON beside it (see <see cref="VideoSidecarFile"/>).</summary>
/// <param name="UntrainedModel">True for the built-in tiny model, whose random weights make noise, not pictures.</param>
/// <param name="StageSeconds">Wall time per stage that ran, in seconds.</param>
/// <param name="SoftwareVersion">The engine's informational version (with its commit when built from git).</param>
/// <param name="Attention">The DiT's self-attention as the engine ran it (e.g. "sagesla (top-k 0.1, blocks 64/128; ...)"):
/// SLA and SageSLA make different videos from dense attention, so a render records which one made it.</param>
/// <param name="Encoder">What wrote the MP4 (a <see cref="VideoEncoderChoice.Name"/>): the built-in encoder's files are
/// uncompressed and far larger, which this explains.</param>
/// <param name="Linears">How the DiT's block linears ran (e.g. "int8 (W8A8, quantized at load)"): W8A8 makes a slightly
/// different video from bf16, so a render records which one made it.</param>
public sealed record VideoSidecar(
    string Prompt,
    long Seed,
    string Model,
    bool UntrainedModel,
    int Steps,
    VideoResolution Resolution,
    AspectRatio AspectRatio,
    int Width,
    int Height,
    int Frames,
    int FramesPerSecond,
    IReadOnlyDictionary<GenerationStage, double> StageSeconds,
    string SoftwareVersion,
    DateTimeOffset CreatedUtc,
    string? Attention = null,
    string? Encoder = null,
    string? Linears = null)
{
    public static string CurrentSoftwareVersion { get; } =
        typeof(VideoSidecar).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(VideoSidecar).Assembly.GetName().Version?.ToString()
        ?? "unknown";

    /// <summary>The sidecar of a finished render of <paramref name="request"/>, stamped with this engine's version.</summary>
    public static VideoSidecar Describe(
        VideoRequest request,
        int width,
        int height,
        int framesPerSecond,
        IReadOnlyDictionary<GenerationStage, TimeSpan> stageTimings,
        bool untrainedModel,
        DateTimeOffset created,
        string? attention = null,
        string? encoder = null,
        string? linears = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(stageTimings);
        return new VideoSidecar(
            request.Prompt,
            request.Seed,
            request.Model,
            untrainedModel,
            request.Steps,
            request.Resolution,
            request.AspectRatio,
            width,
            height,
            request.Frames,
            framesPerSecond,
            stageTimings.ToDictionary(stage => stage.Key, stage => stage.Value.TotalSeconds),
            CurrentSoftwareVersion,
            created.ToUniversalTime(),
            attention,
            encoder,
            linears);
    }
}
