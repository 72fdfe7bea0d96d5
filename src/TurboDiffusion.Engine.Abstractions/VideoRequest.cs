namespace TurboDiffusion.Engine;

/// <summary>Output resolution class: the short side of the frame.</summary>
public enum VideoResolution
{
    /// <summary>256x144 at 16:9: previews, and the built-in untrained tiny model on a CPU.</summary>
    P144,
    P480,
    P720,
}

/// <summary>Frame aspect ratio, width:height.</summary>
public enum AspectRatio
{
    Landscape16x9,
    Portrait9x16,
    Square1x1,
    Landscape4x3,
    Portrait3x4,
}

/// <summary>One video to render.</summary>
/// <param name="Model">A model id ("tiny") or a directory with the official file names.</param>
/// <param name="ImagePath">First frame for image-to-video; null for text-to-video.</param>
/// <param name="Frames">Frame count, 4k+1 (81 = 5 s at 16 fps): <see cref="FrameCountRule"/>.</param>
/// <param name="Steps">rCM sampler steps, 1 to 4: <see cref="SamplerStepsRule"/>.</param>
/// <param name="OutputPath">Where the MP4 goes; the JSON sidecar is written beside it.</param>
/// <param name="WriteFrames">Also write each frame as PNG into a folder beside the MP4.</param>
public sealed record VideoRequest(
    string Prompt,
    string Model,
    VideoResolution Resolution,
    AspectRatio AspectRatio,
    int Frames,
    int Steps,
    long Seed,
    string OutputPath,
    string? ImagePath = null,
    bool WriteFrames = false);
