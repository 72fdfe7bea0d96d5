using System.Diagnostics;
using TurboDiffusion.Engine.Sampling;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Pipelines;

/// <summary>The latents a Denoising stage ends with, and whether it went on from a step checkpoint.</summary>
/// <param name="Latents">[1, 16, T, h, w] in float32 on the device.</param>
internal sealed record DenoisedLatents(Tensor Latents, ResumedRender? Resumed);

/// <summary>
/// The Denoising stage shared by both pipelines: seeded rCM sampling with per-step progress and cancellation, and with
/// <see cref="RenderCheckpoints"/> a checkpoint after every step and a resume from one.
/// </summary>
internal static class Denoise
{
    /// <param name="experts">Image-to-video: which expert runs each step, recorded in and checked against checkpoints.</param>
    /// <exception cref="CheckpointMismatchException">The checkpoint to resume from does not fit this render.</exception>
    public static DenoisedLatents Run(
        IVelocityNetwork network, RcmSchedule schedule, ExpertSchedule? experts, long seed, long[] latentShape, Device device, StageClock clock,
        RenderCheckpoints? checkpoints, CancellationToken cancellationToken) =>
        clock.Run(GenerationStage.Denoising, schedule.Steps, report =>
        {
            using var noise = new SeededNoiseSource(unchecked((ulong)seed), device);
            var sampler = new RcmSampler(schedule);
            var progress = new CallbackProgress<StepProgress>(p => report(p.Step + 1, p.StepCount));
            if (checkpoints is null)
            {
                using var plain = sampler.Sample(network, noise, latentShape, progress, cancellationToken);
                return new DenoisedLatents(plain.to(ScalarType.Float32), null);
            }

            var from = checkpoints.ResumeFrom;
            using var resumed = from is null ? null : StepCheckpoints.Restore(from, schedule, experts, latentShape, noise, device);
            var spentBefore = from?.DenoiseSeconds ?? 0;
            var started = Stopwatch.GetTimestamp();
            using var state = sampler.Sample(
                network, noise, latentShape, resumed is null ? null : new SamplerStep(from!.StepsDone, resumed, from.GeneratorState.ToArray()),
                step => checkpoints.Save(StepCheckpoints.Capture(step, schedule, experts, spentBefore + Stopwatch.GetElapsedTime(started).TotalSeconds)),
                progress, cancellationToken);
            return new DenoisedLatents(state.to(ScalarType.Float32), from is null ? null : new ResumedRender(from.StepsDone, from.DenoiseSeconds));
        });
}
