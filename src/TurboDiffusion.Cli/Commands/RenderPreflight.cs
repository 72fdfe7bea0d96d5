using TurboDiffusion.Engine;
using TurboDiffusion.Engine.Media;
using TurboDiffusion.Engine.Pipelines;
using TurboDiffusion.Silo.Options;

namespace TurboDiffusion.Cli.Commands;

/// <summary>
/// The checks a farm worker runs before it leases a job, run by <c>generate</c> and <c>render</c> before the first
/// denoising step: the output folder is writable with room for a video, the engine's device computes, the encoder
/// encodes, and the model directories hold readable files. A failure stops the command in seconds with each problem
/// and its fix, instead of after minutes of rendering.
/// </summary>
internal static class RenderPreflight
{
    /// <summary>
    /// The checks that need no engine (the output folder, the model files), before libtorch loads, so that a typo in
    /// a path fails at once. Prints each problem to <paramref name="error"/>; true when there are none.
    /// </summary>
    public static bool InputsPass(IEnumerable<string> models, string outputDirectory, TextWriter error)
    {
        var problems = ScratchSpace.Check(outputDirectory, WorkerOptions.DefaultMinFreeScratchBytes)
            .Concat(models.Distinct(StringComparer.Ordinal).SelectMany(EnginePreflight.CheckModelFiles))
            .ToList();
        Print(problems, error);
        return problems.Count == 0;
    }

    /// <summary>Prints each problem to <paramref name="error"/>; true when there are none, and then the encoder in use to <paramref name="output"/>.</summary>
    public static async Task<bool> PassesAsync(IVideoEngine engine, IEnumerable<string> models, string outputDirectory, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var problems = new List<PreflightProblem>(ScratchSpace.Check(outputDirectory, WorkerOptions.DefaultMinFreeScratchBytes));
        if (problems.Count == 0)
        {
            problems.AddRange(await engine.PreflightAsync(new PreflightRequest([.. models], outputDirectory), cancellationToken).ConfigureAwait(false));
        }

        Print(problems, error);
        if (problems.Count == 0)
        {
            output.WriteLine(engine.Status.Encoder == VideoEncoderChoice.BuiltInName
                ? $"encoder: {VideoEncoderChoice.BuiltInName}: ffmpeg was not found, so the videos are uncompressed and many times larger; {VideoEncoders.InstallHint}."
                : $"encoder: {engine.Status.Encoder}");
        }

        return problems.Count == 0;
    }

    private static void Print(IEnumerable<PreflightProblem> problems, TextWriter error)
    {
        foreach (var problem in problems)
        {
            error.WriteLine($"error: {problem.Check}: {problem.Problem}");
            error.WriteLine($"fix: {problem.Fix}");
        }
    }
}
