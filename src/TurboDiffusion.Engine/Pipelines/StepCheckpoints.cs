using TurboDiffusion.Engine.Sampling;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Pipelines;

/// <summary>
/// The sampler's state as a torch-free <see cref="DenoiseCheckpoint"/> and back. A capture copies the float64 state
/// off the device into host memory once, on the engine thread (the sampler frees its tensor after the next step);
/// everything else (encoding, digest, upload) is the receiver's, off this thread.
/// </summary>
internal static class StepCheckpoints
{
    public static DenoiseCheckpoint Capture(SamplerStep step, RcmSchedule schedule, ExpertSchedule? experts, double denoiseSeconds)
    {
        byte[] latent;
        using (NewDisposeScope())
        {
            latent = step.State.contiguous().cpu().bytes.ToArray();
        }

        return new DenoiseCheckpoint(
            step.StepsDone, schedule.Steps, experts?.ExpertAt(step.StepsDone - 1), step.State.shape, latent, step.NoiseState, denoiseSeconds);
    }

    /// <summary>The checkpoint's state on <paramref name="device"/>, after checking that it fits this render.</summary>
    /// <exception cref="CheckpointMismatchException">It does not: another step count, latent shape or expert, or data of the wrong size.</exception>
    public static Tensor Restore(DenoiseCheckpoint checkpoint, RcmSchedule schedule, ExpertSchedule? experts, long[] latentShape, IRestorableNoiseSource noise, Device device)
    {
        Require(checkpoint.StepCount == schedule.Steps, $"it is of a {checkpoint.StepCount}-step render; this one has {schedule.Steps} steps");
        Require(checkpoint.StepsDone >= 1 && checkpoint.StepsDone <= schedule.Steps, $"it has {checkpoint.StepsDone} steps done, outside 1 to {schedule.Steps}");
        Require(checkpoint.LatentShape.SequenceEqual(latentShape),
            $"its latent is [{string.Join(", ", checkpoint.LatentShape)}]; this render's is [{string.Join(", ", latentShape)}]");
        var elements = latentShape.Aggregate(1L, (product, size) => product * size);
        Require(checkpoint.Latent.Length == elements * sizeof(double), $"its latent has {checkpoint.Latent.Length} bytes; [{string.Join(", ", latentShape)}] in float64 has {elements * sizeof(double)}");
        var expert = experts?.ExpertAt(checkpoint.StepsDone - 1);
        Require(checkpoint.Expert == expert, $"it names expert {checkpoint.Expert?.ToString() ?? "none"} for step {checkpoint.StepsDone - 1}; this render runs {expert?.ToString() ?? "none"}");
        var generator = noise.SaveState().Length;
        Require(checkpoint.GeneratorState.Length == generator, $"its generator state has {checkpoint.GeneratorState.Length} bytes; this engine's has {generator}");

        using var host = empty(latentShape, ScalarType.Float64);
        checkpoint.Latent.Span.CopyTo(host.bytes);
        return host.to(device, copy: true);
    }

    private static void Require(bool fits, string problem)
    {
        if (!fits)
        {
            throw new CheckpointMismatchException($"The step checkpoint does not fit this render: {problem}. Render from the first step instead.");
        }
    }
}
