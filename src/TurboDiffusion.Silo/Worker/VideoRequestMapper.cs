using TurboDiffusion.Engine;
using TurboDiffusion.Farm.Contracts;

namespace TurboDiffusion.Silo.Worker;

/// <summary>
/// The only place the farm's vocabulary meets the engine's: a job spec becomes the engine's request, the engine's
/// stages become the job's. Every member has its own arm; an unmapped one throws naming it.
/// </summary>
public static class VideoRequestMapper
{
    public static VideoRequest Map(JobSpec spec, string outputPath)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return new VideoRequest(
            spec.Prompt,
            spec.Model,
            EngineEnums.ToEngine(spec.Resolution),
            EngineEnums.ToEngine(spec.Aspect),
            spec.Frames,
            spec.Steps,
            spec.Seed,
            outputPath,
            ImagePath(spec.ImageReference),
            spec.WriteFrames);
    }

    /// <summary>The farm's name of an engine resolution.</summary>
    public static JobResolution FarmResolution(VideoResolution resolution) => resolution switch
    {
        VideoResolution.P144 => JobResolution.P144,
        VideoResolution.P480 => JobResolution.P480,
        VideoResolution.P720 => JobResolution.P720,
        _ => throw EnumMapping.Unmapped<VideoResolution, JobResolution>(resolution),
    };

    /// <summary>The job's stage while the engine is in <paramref name="stage"/>; the farm adds <see cref="JobStage.Uploading"/> after it.</summary>
    public static JobStage Stage(GenerationStage stage) => stage switch
    {
        GenerationStage.LoadingModel => JobStage.LoadingModel,
        GenerationStage.EncodingText => JobStage.EncodingText,
        GenerationStage.EncodingImage => JobStage.EncodingImage,
        GenerationStage.Denoising => JobStage.Denoising,
        GenerationStage.Decoding => JobStage.Decoding,
        GenerationStage.Writing => JobStage.Writing,
        _ => throw EnumMapping.Unmapped<GenerationStage, JobStage>(stage),
    };

    private static string? ImagePath(string? reference) =>
        reference is null ? null
        : Uri.TryCreate(reference, UriKind.Absolute, out var uri) && uri.IsFile ? uri.LocalPath
        : reference;
}
