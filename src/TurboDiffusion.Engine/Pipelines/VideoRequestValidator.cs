namespace TurboDiffusion.Engine.Pipelines;

/// <summary>Checks a request before any model work, so a bad one fails at once with the field and the fix.</summary>
public static class VideoRequestValidator
{
    /// <exception cref="ArgumentException">Names the first bad field and what is allowed.</exception>
    public static void Validate(VideoRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (PromptRule.IsBlank(request.Prompt))
        {
            throw new ArgumentException("The prompt is empty: describe the video to render.", nameof(request));
        }

        if (string.IsNullOrWhiteSpace(request.Model))
        {
            throw new ArgumentException($"No model given: pass '{VideoPipelineLoader.Tiny}' or a model directory.", nameof(request));
        }

        if (!Enum.IsDefined(request.Resolution))
        {
            throw new ArgumentException($"Unknown resolution {request.Resolution}; use one of {string.Join(", ", Enum.GetNames<VideoResolution>())}.", nameof(request));
        }

        if (!Enum.IsDefined(request.AspectRatio))
        {
            throw new ArgumentException($"Unknown aspect ratio {request.AspectRatio}; use one of {string.Join(", ", Enum.GetNames<AspectRatio>())}.", nameof(request));
        }

        VideoGeometry.ValidateFrames(request.Frames);
        if (!SamplerStepsRule.IsValid(request.Steps))
        {
            throw new ArgumentException($"Steps must be {SamplerStepsRule.Min} to {SamplerStepsRule.Max}, got {request.Steps}.", nameof(request));
        }

        if (string.IsNullOrWhiteSpace(request.OutputPath))
        {
            throw new ArgumentException("No output path given for the MP4.", nameof(request));
        }

        if (request.ImagePath is { } image && !File.Exists(image))
        {
            throw new ArgumentException($"The first-frame image '{Path.GetFullPath(image)}' does not exist.", nameof(request));
        }
    }
}
