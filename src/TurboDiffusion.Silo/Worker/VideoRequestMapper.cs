using TurboDiffusion.Engine;
using TurboDiffusion.Farm.Contracts;

namespace TurboDiffusion.Silo.Worker;

/// <summary>Turns a job spec into the engine's request: the only place the farm's vocabulary meets the engine's.</summary>
public static class VideoRequestMapper
{
    public static VideoRequest Map(JobSpec spec, string outputPath)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return new VideoRequest(
            spec.Prompt,
            spec.Model,
            spec.Resolution switch
            {
                JobResolution.P720 => VideoResolution.P720,
                JobResolution.P144 => VideoResolution.P144,
                _ => VideoResolution.P480,
            },
            spec.Aspect switch
            {
                JobAspect.Portrait9x16 => AspectRatio.Portrait9x16,
                JobAspect.Square1x1 => AspectRatio.Square1x1,
                JobAspect.Landscape4x3 => AspectRatio.Landscape4x3,
                JobAspect.Portrait3x4 => AspectRatio.Portrait3x4,
                _ => AspectRatio.Landscape16x9,
            },
            spec.Frames,
            spec.Steps,
            spec.Seed,
            outputPath,
            ImagePath(spec.ImageReference),
            spec.WriteFrames);
    }

    private static string? ImagePath(string? reference) =>
        reference is null ? null
        : Uri.TryCreate(reference, UriKind.Absolute, out var uri) && uri.IsFile ? uri.LocalPath
        : reference;
}
