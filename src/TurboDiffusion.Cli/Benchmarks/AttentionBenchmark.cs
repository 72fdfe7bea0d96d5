using TurboDiffusion.Engine.Attention;
using TurboDiffusion.Engine.Runtime;
using static TorchSharp.torch;

namespace TurboDiffusion.Cli.Benchmarks;

/// <summary>One attention shape: a model's self-attention at a video size ([1, L, H, 128]).</summary>
public sealed record AttentionShape(string Name, long Tokens, long Heads)
{
    public static AttentionShape Wan13B480P { get; } = new("1.3B-480P", 32_760, 12);

    public static AttentionShape Wan14B720P { get; } = new("14B-720P", 75_600, 40);
}

/// <summary>Milliseconds of one attention variant, and its effective rate over the FLOPs it must do.</summary>
public sealed record AttentionTiming(string Shape, string Variant, double TopK, double MedianMs, double Tflops, double SpeedupOverDense);

/// <summary>
/// Self-attention at real shapes on CUDA, all in one run: dense SDPA (the baseline), SLA on the native kernels
/// (selection + sparse kernel + fused linear branch with proj_l), and the sparse kernel, the linear branch (state and
/// combine) and the block selection alone.
/// FLOPs: dense 4·L²·D·H (QKᵀ and PV, 2 per multiply-add); sparse 4·L·(T·BK)·D·H for T selected key blocks of BK keys,
/// also for whole SLA so that its rows compare across versions; linear branch 6·L·D²·H (φ(K)ᵀV, φ(q)·kv and proj_l,
/// each 2·L·D²·H).
/// </summary>
public static class AttentionBenchmark
{
    private const int HeadDim = 128;

    public static IReadOnlyList<AttentionTiming> Run(AttentionShape shape, IReadOnlyList<double> topKs, int warmup, int iterations, Action<string> log)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(seed: 9);
        var (q, k, v) = (Draw(shape, generator), Draw(shape, generator), Draw(shape, generator));
        var denseFlops = 4.0 * shape.Tokens * shape.Tokens * HeadDim * shape.Heads;
        var dense = CudaTiming.MedianMs(() => nn.functional.scaled_dot_product_attention(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2)), warmup, iterations);
        log($"{shape.Name} dense SDPA: {dense:F2} ms");
        var timings = new List<AttentionTiming> { new(shape.Name, "dense SDPA", 1, dense, denseFlops / dense / 1e9, 1) };
        foreach (var topK in topKs)
        {
            var options = new SlaOptions(topK);
            var lut = SlaBlockSelection.Select(q, k, options);
            var sparseFlops = 4.0 * shape.Tokens * lut.shape[3] * options.KeyBlock * HeadDim * shape.Heads;
            var linearFlops = 6.0 * shape.Tokens * HeadDim * HeadDim * shape.Heads;
            var weight = randn([HeadDim, HeadDim], generator: generator).div_(Math.Sqrt(HeadDim)).to(ScalarType.BFloat16, CUDA);
            var bias = zeros([HeadDim], ScalarType.BFloat16, CUDA);
            using var attention = new SlaAttention(weight.clone(), bias.clone(), options, NativeSlaSparseBranch.Instance, NativeSlaLinearBranch.Instance);
            var full = CudaTiming.MedianMs(() => attention.Forward(q, k, v), warmup, iterations);
            var kernel = CudaTiming.MedianMs(() => NativeSlaSparseBranch.Instance.Forward(q, k, v, lut, options), warmup, iterations);
            var sparse = NativeSlaSparseBranch.Instance.Forward(q, k, v, lut, options);
            var linear = CudaTiming.MedianMs(() => NativeSlaLinearBranch.Instance.Combine(q, k, v, sparse, weight, bias), warmup, iterations);
            var selection = CudaTiming.MedianMs(() => SlaBlockSelection.Select(q, k, options), warmup, iterations);
            log($"{shape.Name} top-k {topK}: SLA ({attention.SparseBranch} sparse, {attention.LinearBranch} linear) {full:F2} ms, sparse kernel {kernel:F2} ms, linear branch {linear:F2} ms, selection {selection:F2} ms");
            timings.Add(new(shape.Name, $"SLA ({attention.SparseBranch} sparse, {attention.LinearBranch} linear)", topK, full, sparseFlops / full / 1e9, dense / full));
            timings.Add(new(shape.Name, "sparse kernel only", topK, kernel, sparseFlops / kernel / 1e9, dense / kernel));
            timings.Add(new(shape.Name, "linear branch only", topK, linear, linearFlops / linear / 1e9, dense / linear));
            timings.Add(new(shape.Name, "block selection only", topK, selection, 0, dense / selection));
            timings.AddRange(SageSla(shape, q, k, v, topK, dense, generator, warmup, iterations, log));
        }

        return timings;
    }

    // SageSLA on its Hopper tiles (64-token query blocks, 128-token key blocks): whole attention, then its parts.
    private static IEnumerable<AttentionTiming> SageSla(
        AttentionShape shape, Tensor q, Tensor k, Tensor v, double topK, double dense, Generator generator, int warmup, int iterations,
        Action<string> log)
    {
        var options = SlaOptions.Hopper(topK);
        using var attention = new SlaAttention(randn([HeadDim, HeadDim], generator: generator).div_(Math.Sqrt(HeadDim)).to(ScalarType.BFloat16, CUDA),
            zeros([HeadDim], ScalarType.BFloat16, CUDA), options, NativeSageSlaSparseBranch.Instance, NativeSlaLinearBranch.Instance);
        using var lut = SlaBlockSelection.Select(q, k, options);
        using var operands = NativeSageSlaSparseBranch.Quantize(q, k, v, options);
        var sparseFlops = 4.0 * shape.Tokens * lut.shape[3] * options.KeyBlock * HeadDim * shape.Heads;
        var full = CudaTiming.MedianMs(() => attention.Forward(q, k, v), warmup, iterations);
        var branch = CudaTiming.MedianMs(() =>
        {
            var (selected, sparse) = NativeSageSlaSparseBranch.Instance.Attend(q, k, v, options);
            selected.Dispose();
            return sparse;
        }, warmup, iterations);
        var kernel = CudaTiming.MedianMs(() => NativeSageSlaSparseBranch.AttendSelected(operands, lut), warmup, iterations);
        var warpKernel = CudaTiming.MedianMs(() => NativeSageSlaSparseBranch.AttendSelected(operands, lut, TensorCorePath.MmaSync), warmup, iterations);
        var prepare = CudaTiming.MedianMs(() => NativeSageSlaSparseBranch.Quantize(q, k, v, options), warmup, iterations);
        log($"{shape.Name} top-k {topK}: SageSLA {full:F2} ms, quantize+select+sparse {branch:F2} ms, int8/fp8 kernel {kernel:F2} ms (mma.sync path {warpKernel:F2} ms), quantize {prepare:F2} ms");
        return
        [
            new(shape.Name, "SageSLA", topK, full, sparseFlops / full / 1e9, dense / full),
            new(shape.Name, "SageSLA sparse branch (quantize + select + kernel)", topK, branch, sparseFlops / branch / 1e9, dense / branch),
            new(shape.Name, "SageSLA kernel only", topK, kernel, sparseFlops / kernel / 1e9, dense / kernel),
            new(shape.Name, "SageSLA kernel only, mma.sync path", topK, warpKernel, sparseFlops / warpKernel / 1e9, dense / warpKernel),
            new(shape.Name, "SageSLA quantize only", topK, prepare, 0, dense / prepare),
        ];
    }

    private static Tensor Draw(AttentionShape shape, Generator generator) =>
        randn([1, shape.Tokens, shape.Heads, HeadDim], generator: generator).to(ScalarType.BFloat16, CUDA);
}
