using TurboDiffusion.Engine.Models.Int8;
using TurboDiffusion.Engine.Models.Wan;
using TurboDiffusion.Engine.Runtime;
using static TorchSharp.torch;

namespace TurboDiffusion.Cli.Benchmarks;

/// <summary>One projection: activation [M, K] times a weight [N, K] transposed.</summary>
public sealed record GemmShape(string Name, long M, long N, long K)
{
    /// <summary>
    /// Wan's tokens (32,760 for 81 frames at 480P, 75,600 at 720P) times each block linear's (N, K) of 1.3B and 14B:
    /// q/k/v/o, ffn.0, ffn.2; and two row counts that leave most of the last M tile empty.
    /// </summary>
    public static IReadOnlyList<GemmShape> Wan(IReadOnlyList<long> tokens)
    {
        var shapes = new List<GemmShape>();
        foreach (var model in new[] { WanConfig.Wan21T2V1Point3B, WanConfig.Wan21T2V14B })
        {
            var size = model == WanConfig.Wan21T2V14B ? "14B" : "1.3B";
            foreach (var m in tokens)
            {
                shapes.Add(new($"{size} qkvo", m, model.Dim, model.Dim));
                shapes.Add(new($"{size} ffn.0", m, model.FfnDim, model.Dim));
                shapes.Add(new($"{size} ffn.2", m, model.Dim, model.FfnDim));
            }
        }

        var dim = WanConfig.Wan21T2V1Point3B.Dim;
        shapes.Add(new("partial", 315, dim, dim));
        shapes.Add(new("partial", 40, dim + 8, dim));
        return shapes;
    }
}

/// <summary>Milliseconds of one variant at one shape, its rate (2·M·N·K operations) and its speed-up over bf16 (none for the quantization alone, which is no GEMM).</summary>
public sealed record GemmTiming(string Shape, long M, long N, long K, string Variant, double MedianMs, double Tops, double? SpeedupOverBf16);

/// <summary>
/// The W8A8 linear against cuBLAS's bf16 GEMM (libtorch's linear), all in one run: the int8 GEMM alone on each
/// tensor-core path, the activation quantization alone, and both as the engine runs them.
/// </summary>
public static class GemmBenchmark
{
    public static IReadOnlyList<GemmTiming> Run(GemmShape shape, int warmup, int iterations, Action<string> log)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(seed: 5);
        var x = randn([shape.M, shape.K], generator: generator).to(ScalarType.BFloat16, CUDA);
        var weight = (randn([shape.N, shape.K], generator: generator) * 0.02).to(ScalarType.BFloat16, CUDA);
        var bias = zeros([shape.N], ScalarType.BFloat16, CUDA);
        var (codes, weightScale) = NativeInt8Kernels.Quantize(weight);
        var operations = 2.0 * shape.M * shape.N * shape.K;

        var bf16 = CudaTiming.MedianMs(() => nn.functional.linear(x, weight, bias), warmup, iterations);
        var timings = new List<GemmTiming> { Timing(shape, "bf16 (cuBLAS)", bf16, operations, bf16) };
        var (values, scale) = NativeInt8Kernels.Quantize(x);
        foreach (var path in new[] { TensorCorePath.Wgmma, TensorCorePath.MmaSync })
        {
            var gemm = CudaTiming.MedianMs(() => NativeInt8Kernels.Gemm(values, scale, codes, weightScale, bias, path), warmup, iterations);
            timings.Add(Timing(shape, $"int8 GEMM ({Describe(path)})", gemm, operations, bf16));
        }

        var quantize = CudaTiming.MedianMs(() => Disposables(NativeInt8Kernels.Quantize(x)), warmup, iterations);
        timings.Add(Timing(shape, "activation quantization", quantize, 0, bf16));
        var linear = CudaTiming.MedianMs(() => NativeInt8Kernels.Linear(x, codes, weightScale, bias), warmup, iterations);
        timings.Add(Timing(shape, "int8 linear (quantization + GEMM)", linear, operations, bf16));
        log($"{shape.Name} [{shape.M}, {shape.K}] x [{shape.N}, {shape.K}]^T: " + string.Join(", ", timings.Select(t => $"{t.Variant} {t.MedianMs:F3} ms")));
        return timings;
    }

    private static GemmTiming Timing(GemmShape shape, string variant, double ms, double operations, double bf16) =>
        new(shape.Name, shape.M, shape.N, shape.K, variant, ms, operations / ms / 1e9, operations > 0 ? bf16 / ms : null);

    private static string Describe(TensorCorePath path) => path == TensorCorePath.Wgmma ? "wgmma" : "mma.sync";

    private static Tensor Disposables((Tensor Values, Tensor Scale) pair)
    {
        pair.Scale.Dispose();
        return pair.Values;
    }
}
