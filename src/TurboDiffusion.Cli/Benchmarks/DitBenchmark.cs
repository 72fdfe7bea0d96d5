using System.Diagnostics;
using TorchSharp;
using TurboDiffusion.Engine;
using TurboDiffusion.Engine.Attention;
using TurboDiffusion.Engine.Checkpoints;
using TurboDiffusion.Engine.Models.Wan;
using TurboDiffusion.Engine.Pipelines;
using TurboDiffusion.Engine.Runtime;
using static TorchSharp.torch;

namespace TurboDiffusion.Cli.Benchmarks;

/// <summary>What one DiT benchmark case runs: a model architecture at a video size with an attention backend.</summary>
/// <param name="Attention">"dense" (libtorch SDPA), "sla" (SLA with the native sparse and linear kernels where they are
/// loaded), "sla-reference" (the TorchSharp SLA reference) or "sagesla" (native SageSLA on 64/128 blocks), at <paramref name="TopK"/>.</param>
/// <param name="Fused">Whether the blocks' elementwise glue may run on the fused native kernels (where they can run), else the reference.</param>
/// <param name="Linears">The block linears: bf16 (the device's precision), or int8 (W8A8, the random weights quantized at load).</param>
public sealed record DitBenchmarkCase(
    WanConfig Config, int Width, int Height, int Frames, string Attention, double TopK = SlaOptions.DefaultRatio, bool Fused = true, DitLinears Linears = DitLinears.Bf16)
{
    /// <summary>Latent grid: 8x spatial and 4x temporal VAE compression, then the (1, 2, 2) patch.</summary>
    public long[] LatentShape => [1, Config.InDim, FrameCountRule.LatentFrames(Frames), Height / 8, Width / 8];

    public long Tokens => LatentShape[2] * (LatentShape[3] / 2) * (LatentShape[4] / 2);
}

/// <summary>Timings of one case: milliseconds per forward, CUDA-synchronised, warm-up excluded.</summary>
/// <param name="Elementwise">"fused" when the blocks' glue ran on the fused native kernels, else "reference".</param>
/// <param name="DeviceBytesUsed">The device's used memory grown over the case (driver view: the allocator's reservation, and any other user's).</param>
/// <param name="Memory">The allocator's own counters, where readable (<see cref="AllocatorCounters"/>); null otherwise.</param>
public sealed record DitBenchmarkResult(
    string Model, string Device, int Width, int Height, int Frames, long Tokens, string Attention, string Elementwise, string Precision,
    int Iterations, double MedianMs, double MinMs, double MaxMs, double LoadSeconds, long DeviceBytesUsed, DitMemory? Memory)
{
    /// <summary>The original Wan pipeline: 50 steps with classifier-free guidance = 100 forwards.</summary>
    public double OriginalSeconds => MedianMs * 100 / 1000;

    /// <summary>The rCM sampler's default 4 steps, guidance distilled in = 4 forwards.</summary>
    public double FourStepSeconds => MedianMs * 4 / 1000;
}

/// <summary>
/// Device memory of one case as the caching allocator counts it: the weights (and the embedded prompt) held
/// after loading, the peak held by live tensors during the forwards (weights included, as
/// <c>torch.cuda.max_memory_allocated</c>), and the peak the allocator reserved from the driver.
/// </summary>
public sealed record DitMemory(long WeightsBytes, long PeakAllocatedBytes, long PeakReservedBytes)
{
    /// <summary>What a forward adds at its peak on top of the weights.</summary>
    public long PeakActivationBytes => PeakAllocatedBytes - WeightsBytes;
}

/// <summary>
/// Times DiT forwards at real shapes with random weights (the cost does not depend on the values):
/// one warm-up forward (or more), then the median of <c>iterations</c> forwards, each synchronised.
/// </summary>
public static class DitBenchmark
{
    public static DitBenchmarkResult Run(DitBenchmarkCase run, Device device, int warmup, int iterations, Action<string>? log = null)
    {
        var precision = run.Linears == DitLinears.Int8 ? WanPrecision.W8A8 : device.type == DeviceType.CUDA ? WanPrecision.Bf16 : WanPrecision.Fp32;
        // The previous case's cached blocks go back to the driver, so this case's reservation is its own.
        AllocatorCounters.ReleaseCache();
        var baseline = DeviceBytesUsed(device);
        var loadClock = Stopwatch.StartNew();
        var plan = Plan(run, precision, device);
        using var weights = new RandomWanWeights(run.Config, seed: 1, precision.Compute, device);
        using var int8 = run.Linears == DitLinears.Int8 ? QuantizingTensorReader.Over(weights, run.Config) : null;
        using var model = WanModel.Load(int8 ?? (ITensorReader)weights, run.Config, precision, device, SelfAttention(plan, run, precision, device), plan);
        Synchronize(device);
        var loadSeconds = loadClock.Elapsed.TotalSeconds;
        log?.Invoke($"{run.Config.Name}: random weights loaded in {loadSeconds:F1} s");

        using var generator = new Generator(seed: 2);
        using var x = randn(run.LatentShape, generator: generator).to(precision.Compute, device);
        using var prompt = randn([1, run.Config.TextLen, run.Config.TextDim], generator: generator).to(precision.Compute, device);
        using var timestep = full([1], 988f, ScalarType.BFloat16, device);
        using var context = model.PrepareContext(prompt);
        Synchronize(device);
        var held = device.type == DeviceType.CUDA ? AllocatorCounters.Read() : null;
        AllocatorCounters.ResetPeaks();

        var times = new List<double>(iterations);
        for (var i = 0; i < warmup + iterations; i++)
        {
            var clock = Stopwatch.StartNew();
            model.Forward(x, timestep, context).Dispose();
            Synchronize(device);
            if (i >= warmup)
            {
                times.Add(clock.Elapsed.TotalMilliseconds);
            }

            log?.Invoke($"forward {i + 1}/{warmup + iterations}{(i < warmup ? " (warm-up)" : "")}: {clock.Elapsed.TotalMilliseconds:F1} ms");
        }

        times.Sort();
        return new DitBenchmarkResult(
            run.Config.Name, DeviceName(device), run.Width, run.Height, run.Frames, run.Tokens, Label(run, model),
            plan.Glue == KernelPath.Native ? "fused" : "reference", precision.Name,
            iterations, Median(times), times[0], times[^1], loadSeconds, DeviceBytesUsed(device) - baseline, MemoryOf(held, device));
    }

    /// <summary>"dense", "sla", "sla-reference" or "sagesla" as the engine would plan it for the device, the glue unfused when asked.</summary>
    private static KernelPlan Plan(DitBenchmarkCase run, WanPrecision precision, Device device)
    {
        var plan = run.Attention switch
        {
            "dense" => KernelPlan.Dense(run.Config, precision, device),
            "sagesla" => KernelPlan.SageSla(SlaOptions.Hopper(run.TopK), run.Config, precision, device),
            "sla-reference" => KernelPlan.SparseLinear(new SlaOptions(run.TopK), run.Config, precision, device).WithReferenceAttention(),
            _ => KernelPlan.SparseLinear(new SlaOptions(run.TopK), run.Config, precision, device),
        };
        return run.Fused ? plan : plan.WithReferenceGlue();
    }

    /// <summary>None for dense; for SLA random proj_l weights (its cost does not depend on their values).</summary>
    private static Func<int, IAttention>? SelfAttention(KernelPlan plan, DitBenchmarkCase run, WanPrecision precision, Device device)
    {
        if (plan.SelfAttention == SelfAttentionKind.Dense)
        {
            return null;
        }

        var headDim = run.Config.Dim / run.Config.NumHeads;
        return _ =>
        {
            using var generator = new Generator(seed: 3);
            var weight = (randn([headDim, headDim], generator: generator) / Math.Sqrt(headDim)).to(precision.Compute, device);
            var bias = zeros([headDim], precision.Compute, device);
            return plan.CreateSlaAttention(weight, bias);
        };
    }

    private static DitMemory? MemoryOf(AllocatorMemory? held, Device device) =>
        held is { } before && device.type == DeviceType.CUDA && AllocatorCounters.Read() is { } after
            ? new DitMemory(before.AllocatedBytes, after.PeakAllocatedBytes, after.PeakReservedBytes)
            : null;

    private static string Label(DitBenchmarkCase run, WanModel model) =>
        model.SelfAttention[0] is SlaAttention sla ? $"sla {run.TopK:0.##} ({sla.SparseBranch} sparse, {sla.LinearBranch} linear)" : "dense";

    private static double Median(List<double> sorted) =>
        sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;

    private static void Synchronize(Device device)
    {
        if (device.type == DeviceType.CUDA)
        {
            cuda.synchronize();
        }
    }

    /// <summary>Device memory in use; the caching allocator keeps what it reserved, so after a run this is its high-water mark.</summary>
    private static long DeviceBytesUsed(Device device) =>
        Gpu(device) is { } gpu ? gpu.TotalBytes - gpu.FreeBytes : 0;

    private static string DeviceName(Device device) => Gpu(device)?.Name ?? "cpu";

    private static CudaDeviceInfo? Gpu(Device device) =>
        device.type == DeviceType.CUDA && TorchRuntime.Describe().Devices is [var first, ..] ? first : null;
}
