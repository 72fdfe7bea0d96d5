namespace TurboDiffusion.Engine;

/// <summary>
/// The sampler's state after a finished step: all a render needs to go on from the next step and end bit-identical to
/// one never interrupted with the same seed. Only the engine that made it (same version, model, settings and device
/// kind, for the same request) may resume from it; the caller checks that before it hands one back.
/// </summary>
/// <param name="StepsDone">Steps finished, 1 to <paramref name="StepCount"/>; the render goes on at step index <paramref name="StepsDone"/>.</param>
/// <param name="StepCount">Steps in the render's schedule.</param>
/// <param name="Expert">Image-to-video: the index of the expert that ran the last finished step (0 = high noise); null for text-to-video.</param>
/// <param name="LatentShape">The sampler state's shape, <c>[B, C, T, H, W]</c>.</param>
/// <param name="Latent">The float64 sampler state, row-major, little-endian: 8 bytes per element of <paramref name="LatentShape"/>.</param>
/// <param name="GeneratorState">The noise generator's state after the step's draw (libtorch's CPU generator state).</param>
/// <param name="DenoiseSeconds">Denoising time spent to reach this step, summed over every attempt that led to it.</param>
public sealed record DenoiseCheckpoint(
    int StepsDone,
    int StepCount,
    int? Expert,
    IReadOnlyList<long> LatentShape,
    ReadOnlyMemory<byte> Latent,
    ReadOnlyMemory<byte> GeneratorState,
    double DenoiseSeconds);

/// <summary>
/// Step checkpoints of one render: where it goes on from, and where each finished step's state goes.
/// <paramref name="Save"/> is called on the engine's thread after every step with a copy that no longer refers to the
/// device; it must return at once (hand the copy to a background writer), or it delays the next step.
/// </summary>
/// <param name="ResumeFrom">A checkpoint of this same render to go on from; null renders from the first step.</param>
public sealed record RenderCheckpoints(DenoiseCheckpoint? ResumeFrom, Action<DenoiseCheckpoint> Save);

/// <summary>A render that went on from a checkpoint: how much of the denoising it did not run again.</summary>
/// <param name="StepsSkipped">Steps taken from the checkpoint.</param>
/// <param name="DenoiseSecondsSaved">The denoising time those steps took when they ran.</param>
public sealed record ResumedRender(int StepsSkipped, double DenoiseSecondsSaved);

/// <summary>
/// A checkpoint handed to the engine does not fit the request (another step count, latent shape or expert, a latent
/// or generator state of the wrong size). Nothing was rendered from it; render from the first step instead.
/// </summary>
public sealed class CheckpointMismatchException(string message) : ArgumentException(message);
