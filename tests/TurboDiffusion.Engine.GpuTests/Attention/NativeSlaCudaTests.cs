using TurboDiffusion.Engine.Attention;
using TurboDiffusion.Engine.Runtime;
using TurboDiffusion.Engine.Tests.Attention;
using TurboDiffusion.Engine.Tests.Fixtures;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.GpuTests.Attention;

/// <summary>SLA with the native sparse kernel on CUDA against the sla_op golden set and the TorchSharp reference.</summary>
public sealed class NativeSlaCudaTests(ITestOutputHelper output)
{
    private const string Bf16Tolerance = "bf16 implementation vs official *_bf16 tensors";

    [Theory]
    [MemberData(nameof(SlaOpFixture.BlockConfigurations), MemberType = typeof(SlaOpFixture))]
    public void Native_sparse_branch_matches_the_official_bf16_tensors(int queryBlock, int keyBlock)
    {
        CudaDevice.RequireNativeKernels();
        using var fixture = SlaOpFixture.Open(queryBlock, keyBlock);
        using var weight = fixture["proj_l_weight"].to(ScalarType.BFloat16, CUDA);
        using var bias = fixture["proj_l_bias"].to(ScalarType.BFloat16, CUDA);
        using var attention = new SlaAttention(weight.clone(), bias.clone(), fixture.Options, NativeSlaSparseBranch.Instance);
        using var q = fixture["q"].to(ScalarType.BFloat16, CUDA);
        using var k = fixture["k"].to(ScalarType.BFloat16, CUDA);
        using var v = fixture["v"].to(ScalarType.BFloat16, CUDA);

        using var parts = attention.ForwardParts(q, k, v);

        var tolerance = fixture.Golden.Tolerance(Bf16Tolerance);
        foreach (var (actual, name) in new[] { (parts.Sparse, "o_s_bf16"), (parts.Output, "o_bf16") })
        {
            var difference = TensorAssert.Close(actual, fixture[name], tolerance, $"{fixture.Configuration} native {name}");
            output.WriteLine($"{fixture.Configuration} native vs official {name}: max_abs {difference.MaxAbs:E2}, rel_l2 {difference.RelL2:E2}");
        }
    }

    [Fact]
    public void Native_sparse_branch_matches_the_reference_at_the_1_3B_shape()
    {
        CudaDevice.RequireNativeKernels();
        var options = new SlaOptions(0.1);
        using var generator = new Generator(5);
        using var q = randn([1, 32_760, 12, 128], generator: generator).to(ScalarType.BFloat16, CUDA);
        using var k = randn([1, 32_760, 12, 128], generator: generator).to(ScalarType.BFloat16, CUDA);
        using var v = randn([1, 32_760, 12, 128], generator: generator).to(ScalarType.BFloat16, CUDA);
        using var lut = SlaBlockSelection.Select(q, k, options);

        using var native = NativeSlaSparseBranch.Instance.Forward(q, k, v, lut, options);
        using var reference = ReferenceSlaSparseBranch.Instance.Forward(q, k, v, lut, options);

        var difference = TensorAssert.Compare(native, reference);
        output.WriteLine($"1.3B shape native vs reference sparse branch: max_abs {difference.MaxAbs:E2}, rel_l2 {difference.RelL2:E2}");
        Assert.True(difference.RelL2 <= 1e-2, $"rel_l2 {difference.RelL2:E2}: two bf16 implementations of one function should agree within the bf16 bound 1e-2");
    }
}
