using TurboDiffusion.Engine.Attention;
using TurboDiffusion.Engine.Runtime;
using TurboDiffusion.Engine.Tests.Attention;
using TurboDiffusion.Engine.Tests.Fixtures;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.GpuTests.Attention;

/// <summary>SLA's fused native linear branch (state + combine) on CUDA against the sla_op golden set and the TorchSharp reference.</summary>
public sealed class NativeSlaLinearCudaTests(ITestOutputHelper output)
{
    private const string Bf16Tolerance = "bf16 implementation vs official *_bf16 tensors";

    [Theory]
    [MemberData(nameof(SlaOpFixture.BlockConfigurations), MemberType = typeof(SlaOpFixture))]
    public void Native_sla_forward_matches_the_official_bf16_output(int queryBlock, int keyBlock)
    {
        CudaDevice.RequireNativeKernels();
        using var fixture = SlaOpFixture.Open(queryBlock, keyBlock);
        using var weight = fixture["proj_l_weight"].to(ScalarType.BFloat16, CUDA);
        using var bias = fixture["proj_l_bias"].to(ScalarType.BFloat16, CUDA);
        using var attention = new SlaAttention(weight.clone(), bias.clone(), fixture.Options, NativeSlaSparseBranch.Instance, NativeSlaLinearBranch.Instance);
        using var q = fixture["q"].to(ScalarType.BFloat16, CUDA);
        using var k = fixture["k"].to(ScalarType.BFloat16, CUDA);
        using var v = fixture["v"].to(ScalarType.BFloat16, CUDA);

        using var o = attention.Forward(q, k, v);

        Assert.Equal("native", attention.LinearBranch);
        var difference = TensorAssert.Close(o, fixture["o_bf16"], fixture.Golden.Tolerance(Bf16Tolerance), $"{fixture.Configuration} native SLA o_bf16");
        output.WriteLine($"{fixture.Configuration} native sparse + linear vs official o_bf16: max_abs {difference.MaxAbs:E2}, rel_l2 {difference.RelL2:E2}");
    }

    [Fact]
    public void Native_linear_branch_matches_the_official_projected_linear_branch()
    {
        CudaDevice.RequireNativeKernels();
        using var fixture = SlaOpFixture.OpenFirst();
        using var weight = fixture["proj_l_weight"].to(ScalarType.BFloat16, CUDA);
        using var bias = fixture["proj_l_bias"].to(ScalarType.BFloat16, CUDA);
        using var q = fixture["q"].to(ScalarType.BFloat16, CUDA);
        using var k = fixture["k"].to(ScalarType.BFloat16, CUDA);
        using var v = fixture["v"].to(ScalarType.BFloat16, CUDA);
        using var noSparse = zeros_like(q);

        using var projected = NativeSlaLinearBranch.Instance.Combine(q, k, v, noSparse, weight, bias);

        var difference = TensorAssert.Close(projected, fixture["o_l_proj_bf16"], fixture.Golden.Tolerance(Bf16Tolerance), "native proj_l(o_l) vs official o_l_proj_bf16");
        output.WriteLine($"native vs official proj_l(o_l): max_abs {difference.MaxAbs:E2}, rel_l2 {difference.RelL2:E2}");
    }

    [Fact]
    public void Native_linear_branch_matches_the_reference_at_the_1_3B_shape()
    {
        CudaDevice.RequireNativeKernels();
        using var generator = new Generator(11);
        using var q = randn([1, 32_760, 12, 128], generator: generator).to(ScalarType.BFloat16, CUDA);
        using var k = randn([1, 32_760, 12, 128], generator: generator).to(ScalarType.BFloat16, CUDA);
        using var v = randn([1, 32_760, 12, 128], generator: generator).to(ScalarType.BFloat16, CUDA);
        using var weight = (randn([128, 128], generator: generator) / Math.Sqrt(128)).to(ScalarType.BFloat16, CUDA);
        using var bias = (randn([128], generator: generator) * 0.05).to(ScalarType.BFloat16, CUDA);
        // o_s = 0 leaves proj_l(o_l) alone in the output, where the sparse branch would otherwise dominate it.
        using var noSparse = zeros([1, 32_760, 12, 128], ScalarType.BFloat16, CUDA);

        using var native = NativeSlaLinearBranch.Instance.Combine(q, k, v, noSparse, weight, bias);
        using var reference = ReferenceSlaLinearBranch.Instance.Combine(q, k, v, noSparse, weight, bias);

        var difference = TensorAssert.Compare(native, reference);
        output.WriteLine($"1.3B shape native vs reference proj_l(o_l): max_abs {difference.MaxAbs:E2}, rel_l2 {difference.RelL2:E2}");
        Assert.True(difference.RelL2 <= 1e-2, $"rel_l2 {difference.RelL2:E2}: two bf16 implementations of one function should agree within the bf16 bound 1e-2");
    }
}
