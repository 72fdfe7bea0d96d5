using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Runtime;

/// <summary>A small real computation proving the loaded libtorch computes correctly on a device.</summary>
public static class RuntimeSelfTest
{
    /// <summary>bf16 matmul against an fp32 reference: bf16 operands land between 1e-3 and 1e-2 relative error.</summary>
    public const double Bf16Limit = 1e-2;

    public sealed record Result(string Check, bool Passed, string Detail);

    /// <summary>On CPU: a float64 matmul against its hand-computed product. On CUDA: a bf16 matmul against fp32.</summary>
    public static Result Run(Device device)
    {
        TorchRuntime.EnsureLoaded();
        using var scope = NewDisposeScope();
        return device.type == DeviceType.CUDA ? Bf16MatmulMatchesFp32(device) : Float64MatmulIsExact(device);
    }

    private static Result Float64MatmulIsExact(Device device)
    {
        var a = tensor(new double[] { 1, 2, 3, 4, 5, 6 }, [2, 3], ScalarType.Float64, device);
        var b = tensor(new double[] { 7, 8, 9, 10, 11, 12 }, [3, 2], ScalarType.Float64, device);
        double[] expected = [58, 64, 139, 154];
        var actual = matmul(a, b).cpu().data<double>().ToArray();
        var passed = actual.SequenceEqual(expected);
        return new Result($"float64 matmul on {device}", passed,
            passed ? "exact" : $"got [{string.Join(", ", actual)}], expected [{string.Join(", ", expected)}]");
    }

    private static Result Bf16MatmulMatchesFp32(Device device)
    {
        // Drawn on the CPU: TorchSharp's generators are CPU generators.
        var generator = new Generator(seed: 1234);
        var a = randn([1024, 1024], ScalarType.Float32, generator: generator).to(ScalarType.BFloat16, device);
        var b = randn([1024, 1024], ScalarType.Float32, generator: generator).to(ScalarType.BFloat16, device);
        var reference = matmul(a.to(ScalarType.Float32), b.to(ScalarType.Float32));
        var actual = matmul(a, b).to(ScalarType.Float32);
        var relative = ((actual - reference).norm() / reference.norm()).item<float>();
        var passed = relative <= Bf16Limit;
        return new Result($"bf16 matmul on {device} vs fp32", passed, $"rel_l2 {relative:E2} (limit {Bf16Limit:E0})");
    }
}
