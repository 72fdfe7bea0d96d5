using System.Text.RegularExpressions;
using TurboDiffusion.Engine;

namespace TurboDiffusion.Farm.Contracts;

/// <summary>
/// Checks a <see cref="JobSpec"/> before anything is recorded; each problem names the field and the fix. What any render
/// may ask for is the engine's (<see cref="FrameCountRule"/>, <see cref="SamplerStepsRule"/>, <see cref="PromptRule"/>, in
/// its torch-free contract); the limits here are the farm's narrower policy on top of it.
/// </summary>
public static partial class JobSpecValidator
{
    public const int MaxPromptLength = 4000;

    /// <summary>The farm's shortest video: the first 4k+1 count above a single frame.</summary>
    public const int MinFrames = 5;

    /// <summary>The farm's longest video: 15 s at 16 fps.</summary>
    public const int MaxFrames = 241;

    public const int MaxNameLength = 64;

    public static IReadOnlyList<string> Problems(JobSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var problems = new List<string>();
        if (PromptRule.IsBlank(spec.Prompt))
        {
            problems.Add("prompt: is empty; describe the video to render.");
        }
        else if (spec.Prompt.Length > MaxPromptLength)
        {
            problems.Add($"prompt: has {spec.Prompt.Length} characters; shorten it to at most {MaxPromptLength}.");
        }

        if (!IsName(spec.Model))
        {
            problems.Add($"model: '{spec.Model}' is not a model id; use 1 to {MaxNameLength} characters of a-z, 0-9, '.', '-' or '_' (e.g. 'tiny').");
        }

        if (!IsName(spec.Tenant))
        {
            problems.Add($"tenant: '{spec.Tenant}' is not a tenant id; use 1 to {MaxNameLength} characters of a-z, 0-9, '.', '-' or '_'.");
        }

        if (!AdmitsFrames(spec.Frames))
        {
            problems.Add($"frames: {spec.Frames} is not {FrameCountRule.Stride}k+1 between {MinFrames} and {MaxFrames}; use e.g. 81 (5 s at 16 fps).");
        }

        if (!SamplerStepsRule.IsValid(spec.Steps))
        {
            problems.Add($"steps: {spec.Steps} is outside {SamplerStepsRule.Min} to {SamplerStepsRule.Max}; the rCM sampler needs {SamplerStepsRule.Min} to {SamplerStepsRule.Max} steps (4 is the quality default).");
        }

        if (!Enum.IsDefined(spec.Priority))
        {
            problems.Add($"priority: {(int)spec.Priority} is not a priority; use Low, Normal, High or Urgent.");
        }

        if (!Enum.IsDefined(spec.Resolution))
        {
            problems.Add($"resolution: {(int)spec.Resolution} is not a resolution; use P144, P480 or P720.");
        }

        if (!Enum.IsDefined(spec.Aspect))
        {
            problems.Add($"aspect: {(int)spec.Aspect} is not an aspect ratio; use Landscape16x9, Portrait9x16, Square1x1, Landscape4x3 or Portrait3x4.");
        }

        if (spec.IdempotencyKey is { Length: 0 or > 128 })
        {
            problems.Add("idempotencyKey: must be 1 to 128 characters, or left out.");
        }

        if (spec.ImageReference is { } image && !IsFileReference(image))
        {
            problems.Add($"imageReference: '{image}' is not an absolute file path or file:// URI; give the first frame as a file the GPU workers can read.");
        }

        if (spec.Webhook is { } hook && (!hook.IsAbsoluteUri || hook.Scheme is not ("https" or "http")))
        {
            problems.Add($"webhook: '{hook}' is not an absolute http(s) URL.");
        }

        return problems;
    }

    /// <summary>A frame count any render may have (<see cref="FrameCountRule"/>), within the farm's range.</summary>
    public static bool AdmitsFrames(int frames) => frames is >= MinFrames and <= MaxFrames && FrameCountRule.IsValid(frames);

    /// <summary>Throws <see cref="InvalidJobSpecException"/> listing every problem.</summary>
    public static void EnsureValid(JobSpec spec)
    {
        var problems = Problems(spec);
        if (problems.Count > 0)
        {
            throw new InvalidJobSpecException(problems);
        }
    }

    private static bool IsFileReference(string reference) =>
        Uri.TryCreate(reference, UriKind.Absolute, out var uri) ? uri.IsFile : Path.IsPathFullyQualified(reference);

    private static bool IsName(string? value) => value is not null && Name().IsMatch(value);

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,63}$")]
    private static partial Regex Name();
}
