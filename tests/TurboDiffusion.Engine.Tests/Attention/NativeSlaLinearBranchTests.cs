using TorchSharp;
using TurboDiffusion.Engine.Attention;
using TurboDiffusion.Engine.Runtime;
using TurboDiffusion.Engine.Tests.Fixtures;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Attention;

public sealed class NativeSlaLinearBranchTests
{
    public NativeSlaLinearBranchTests() => TorchRuntime.EnsureLoaded();

    [Fact]
    public void Sla_runs_the_reference_linear_branch_unless_told_otherwise()
    {
        using var attention = new SlaAttention(zeros(128, 128), zeros(128), SlaOptions.Default);

        Assert.Equal("reference", attention.LinearBranch);
    }

    [Fact]
    public void The_native_branch_refuses_cpu_tensors_naming_dtype_and_device()
    {
        using var q = zeros([1, 64, 1, 128], ScalarType.BFloat16);
        using var sparse = zeros([1, 64, 1, 128], ScalarType.BFloat16);
        using var weight = zeros([128, 128], ScalarType.BFloat16);
        using var bias = zeros([128], ScalarType.BFloat16);

        var error = Assert.Throws<ArgumentException>(() => NativeSlaLinearBranch.Instance.Combine(q, q, q, sparse, weight, bias));

        Assert.Contains("bf16 CUDA", error.Message);
        Assert.Contains("cpu", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void The_reference_branch_combines_o_s_and_the_projected_linear_branch_as_the_parts_do()
    {
        using var generator = new Generator(17);
        using var q = randn([1, 200, 2, 16], ScalarType.Float64, generator: generator);
        using var k = randn([1, 150, 2, 16], ScalarType.Float64, generator: generator);
        using var v = randn([1, 150, 2, 16], ScalarType.Float64, generator: generator);
        using var weight = randn([16, 16], ScalarType.Float64, generator: generator);
        using var bias = randn([16], ScalarType.Float64, generator: generator);
        using var attention = new SlaAttention(weight.clone(), bias.clone(), new SlaOptions(0.5, 64, 32));
        using var parts = attention.ForwardParts(q, k, v);

        using var o = ReferenceSlaLinearBranch.Instance.Combine(q, k, v, parts.Sparse, weight, bias);

        TensorAssert.Identical(o, parts.Output, "reference Combine vs ForwardParts");
    }
}
