using TurboDiffusion.Engine.Sampling;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Pipelines;

/// <summary>The Denoising stage shared by both pipelines: seeded rCM sampling with per-step progress and cancellation.</summary>
internal static class Denoise
{
    /// <returns>Latents [1, 16, T, h, w] in float32 on <paramref name="device"/>.</returns>
    public static Tensor Run(IVelocityNetwork network, RcmSchedule schedule, long seed, long[] latentShape, Device device, StageClock clock, CancellationToken cancellationToken) =>
        clock.Run(GenerationStage.Denoising, schedule.Steps, report =>
        {
            using var noise = new SeededNoiseSource(unchecked((ulong)seed), device);
            using var state = new RcmSampler(schedule).Sample(
                network, noise, latentShape, new CallbackProgress<StepProgress>(p => report(p.Step + 1, p.StepCount)), cancellationToken);
            return state.to(ScalarType.Float32);
        });
}
