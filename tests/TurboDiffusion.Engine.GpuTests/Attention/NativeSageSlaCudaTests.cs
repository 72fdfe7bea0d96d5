using TurboDiffusion.Engine.Attention;
using TurboDiffusion.Engine.Runtime;
using TurboDiffusion.Engine.Tests.Attention;
using TurboDiffusion.Engine.Tests.Fixtures;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.GpuTests.Attention;

/// <summary>
/// Native SageSLA on CUDA against the sla_op golden set and the TorchSharp SageSLA reference (the same quantized
/// arithmetic in float64), on every tensor-core path the device has.
/// </summary>
public sealed class NativeSageSlaCudaTests(ITestOutputHelper output)
{
    private const string Bf16Tolerance = "bf16 implementation vs official *_bf16 tensors";

    public static TheoryData<int, int, TensorCorePath> Paths() =>
        [.. new[] { TensorCorePath.MmaSync, TensorCorePath.Wgmma }.SelectMany(path => SlaOpFixture.Configurations().Select(o => (o.QueryBlock, o.KeyBlock, path)))];

    [Theory]
    [MemberData(nameof(SlaOpFixture.BlockConfigurations), MemberType = typeof(SlaOpFixture))]
    public void Selection_from_the_pooled_block_means_is_the_official_one(int queryBlock, int keyBlock)
    {
        CudaDevice.RequireNativeKernels();
        using var fixture = SlaOpFixture.Open(queryBlock, keyBlock);
        using var scope = NewDisposeScope();
        var (q, k, v) = Inputs(fixture);

        var (lut, _) = NativeSageSlaSparseBranch.Instance.Attend(q, k, v, fixture.Options);

        TensorAssert.Identical(lut, fixture["lut_sorted"], $"{fixture.Configuration} SageSLA selection");
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Kernel_matches_the_quantized_reference(int queryBlock, int keyBlock, TensorCorePath path)
    {
        CudaDevice.RequireNativeKernels();
        using var fixture = SlaOpFixture.Open(queryBlock, keyBlock);
        using var scope = NewDisposeScope();
        var (q, k, v) = Inputs(fixture);
        var lut = fixture["lut_sorted"].to(CUDA);

        using var operands = NativeSageSlaSparseBranch.Quantize(q, k, v, fixture.Options);
        var native = NativeSageSlaSparseBranch.AttendSelected(operands, lut, path);
        var reference = ReferenceSageSlaSparseBranch.Instance.Forward(q.to(ScalarType.Float64), k.to(ScalarType.Float64), v.to(ScalarType.Float64), lut, fixture.Options);

        var difference = TensorAssert.Compare(native, reference);
        output.WriteLine($"{fixture.Configuration} {path} vs quantized reference: max_abs {difference.MaxAbs:E2}, rel_l2 {difference.RelL2:E2}");
        var bound = fixture.Golden.Tolerance(Bf16Tolerance).RelL2!.Value;
        Assert.True(difference.RelL2 <= bound, $"rel_l2 {difference.RelL2:E2}: one quantized function in bf16 and in float64 should agree within the bf16 bound {bound}");
    }

    [Theory]
    [MemberData(nameof(SlaOpFixture.BlockConfigurations), MemberType = typeof(SlaOpFixture))]
    public void SageSla_output_matches_the_official_bf16_output(int queryBlock, int keyBlock)
    {
        CudaDevice.RequireNativeKernels();
        using var fixture = SlaOpFixture.Open(queryBlock, keyBlock);
        using var scope = NewDisposeScope();
        var (q, k, v) = Inputs(fixture);
        using var weight = fixture["proj_l_weight"].to(ScalarType.BFloat16, CUDA);
        using var bias = fixture["proj_l_bias"].to(ScalarType.BFloat16, CUDA);
        using var attention = new SlaAttention(weight.clone(), bias.clone(), fixture.Options, NativeSageSlaSparseBranch.Instance);

        using var o = attention.Forward(q, k, v);

        // fp8 P and V cost o_s about 1.3e-2 against exact attention on these random inputs; the module output, the
        // quantity the manifest bounds for reduced-precision implementations, stays inside it.
        var difference = TensorAssert.Close(o, fixture["o_bf16"], fixture.Golden.Tolerance(Bf16Tolerance), $"{fixture.Configuration} SageSLA o");
        output.WriteLine($"{fixture.Configuration} SageSLA vs official o: max_abs {difference.MaxAbs:E2}, rel_l2 {difference.RelL2:E2}");
    }

    [Fact]
    public void Kernel_matches_the_quantized_reference_at_the_1_3B_shape()
    {
        CudaDevice.RequireNativeKernels();
        var options = SlaOptions.Hopper(0.1);
        using var scope = NewDisposeScope();
        using var generator = new Generator(11);
        var q = randn([1, 32_760, 12, 128], generator: generator).to(ScalarType.BFloat16, CUDA);
        var k = (randn([1, 32_760, 12, 128], generator: generator) + 0.5).to(ScalarType.BFloat16, CUDA);
        var v = randn([1, 32_760, 12, 128], generator: generator).to(ScalarType.BFloat16, CUDA);

        var (lut, native) = NativeSageSlaSparseBranch.Instance.Attend(q, k, v, options);
        var reference = ReferenceSageSlaSparseBranch.Instance.Forward(q.to(ScalarType.Float64), k.to(ScalarType.Float64), v.to(ScalarType.Float64), lut, options);

        var difference = TensorAssert.Compare(native, reference);
        output.WriteLine($"1.3B shape SageSLA vs quantized reference: max_abs {difference.MaxAbs:E2}, rel_l2 {difference.RelL2:E2}");
        Assert.True(difference.RelL2 <= 1e-2, $"rel_l2 {difference.RelL2:E2}: one quantized function in bf16 and in float64 should agree within the bf16 bound 1e-2");
    }

    private static (Tensor Q, Tensor K, Tensor V) Inputs(SlaOpFixture fixture) =>
        (fixture["q"].to(ScalarType.BFloat16, CUDA), fixture["k"].to(ScalarType.BFloat16, CUDA), fixture["v"].to(ScalarType.BFloat16, CUDA));
}
