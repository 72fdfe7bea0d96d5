using TurboDiffusion.Engine.Models.Wan;
using TurboDiffusion.Engine.Pipelines;
using TurboDiffusion.Engine.Sampling;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Pipelines;

/// <summary>
/// The tiny image-to-video experts (random weights, distinct seeds) on one device, loaded resident or swapped, and one
/// render's sampling over them from fixed inputs: what a swap must not change.
/// </summary>
internal sealed class ExpertPairRig(Device device)
{
    private static readonly WanConfig Config = WanConfig.TinyI2V;

    public int Steps { get; init; } = 4;

    /// <summary>The low-noise expert's weights' seed; the high-noise expert's is 19.</summary>
    public long LowNoiseSeed { get; init; } = 23;

    public IDitExperts LoadResident()
    {
        using var high = Prepare(19);
        using var low = Prepare(LowNoiseSeed);
        return new ResidentExperts([high.Load(), low.Load()]);
    }

    public SwappedExperts LoadSwapped()
    {
        using var high = Prepare(19);
        using var low = Prepare(LowNoiseSeed);
        return SwappedExperts.Create(high.Load(), [low.Reader]);
    }

    /// <summary>The final latents in float64 on the CPU; with <paramref name="stopAfter"/>, cancelled once that many steps are done.</summary>
    public Tensor Render(IDitExperts experts, long seed, int? stopAfter = null)
    {
        using var scope = NewDisposeScope();
        var generator = new TorchSharp.torch.Generator(7, CPU);
        var prompt = randn([1, 6, Config.TextDim], generator: generator).to(device);
        var shape = new long[] { 1, Config.OutDim, 3, 4, 6 };
        var y = randn([1, Config.ConditionDim, shape[2], shape[3], shape[4]], generator: generator).to(experts.First.Precision.Compute).to(device);
        var schedule = RcmSchedule.ImageToVideo(Steps);
        using var network = experts.Run(prompt, y, new ExpertSchedule(2, schedule));
        using var noise = new SeededNoiseSource(unchecked((ulong)seed), device);
        using var cancel = new CancellationTokenSource();
        var progress = new CallbackProgress<StepProgress>(p =>
        {
            if (stopAfter is { } last && p.Step + 1 >= last)
            {
                cancel.Cancel();
            }
        });
        return new RcmSampler(schedule).Sample(network, noise, shape, progress, cancel.Token).to(ScalarType.Float64, CPU).MoveToOuterDisposeScope();
    }

    private PreparedDit Prepare(long seed) =>
        PreparedDit.Random(Config, seed, DitAttentionOptions.Default, DitLinears.Auto, EnginePrecision.For(device).Dit, device);
}
