using TorchSharp;
using TurboDiffusion.Engine.Checkpoints;
using TurboDiffusion.Engine.Models.Int8;
using TurboDiffusion.Engine.Models.Wan;
using TurboDiffusion.Engine.Runtime;
using TurboDiffusion.Engine.Tests.Fixtures;
using TurboDiffusion.Engine.Tests.Models.Int8;
using TurboDiffusion.Engine.Tests.Models.Wan;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.GpuTests.Models.Int8;

/// <summary>The W8A8 linear's native kernels against the int8_linear fixture and the TorchSharp reference, on each tensor-core path.</summary>
public sealed class NativeInt8KernelsCudaTests(ITestOutputHelper output)
{
    private const string QuantizationTolerance = "w_int8/x_int8/scales";
    private const string OutputTolerance = "y_gemm_bf16 / out_bf16";
    private const string W8A8Tolerance = "W8A8 implementation vs out_w8a8_gpu or out_w8a8_sim_fp64";

    private readonly Int8LinearFixture fixture = Int8LinearFixture.Open();

    public static TheoryData<TensorCorePath> Paths => [TensorCorePath.MmaSync, TensorCorePath.Wgmma];

    [Theory]
    [InlineData("w_bf16", "w_int8", "w_scale")]
    [InlineData("x_bf16", "x_int8", "x_scale")]
    public void Quantizes_the_fixture_matrices_as_the_official_kernel_did(string input, string values, string scales)
    {
        CudaDevice.RequireNativeKernels();
        using var scope = NewDisposeScope();

        var (actual, scale) = NativeInt8Kernels.Quantize(fixture.Load(input).cuda());

        fixture.AssertExact(QuantizationTolerance, actual.cpu(), fixture.Load(values));
        fixture.AssertExact(QuantizationTolerance, scale.cpu(), fixture.Load(scales));
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void The_linear_returns_the_official_output_bit_for_bit(TensorCorePath path)
    {
        CudaDevice.RequireNativeKernels();
        using var scope = NewDisposeScope();

        var y = NativeInt8Kernels.Linear(
            fixture.Load("x_bf16").cuda(), fixture.Load("w_int8").cuda(), fixture.Load("w_scale").cuda(), fixture.Load("bias_bf16").cuda(), path);

        fixture.AssertExact(OutputTolerance, y.cpu(), fixture.Load("out_bf16"));
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Partial_tiles_and_a_zero_tile_match_the_reference_bit_for_bit(TensorCorePath path)
    {
        CudaDevice.RequireNativeKernels();
        using var scope = NewDisposeScope();
        var tile = fixture.Manifest.QuantizationTile();
        // M and N cut mid-tile (and N not a multiple of 16), three K tiles, one all-zero activation tile.
        var (m, n, k) = ((2 * tile) + 59, tile + 72, 3 * tile);
        var generator = new Generator(seed: 11);
        var x = (randn([m, k], generator: generator) * 3).to(ScalarType.BFloat16);
        x.narrow(0, tile, tile).narrow(1, tile, tile).zero_();
        var (weight, weightScale) = BlockwiseInt8.Quantize((randn([n, k], generator: generator) * 0.05).to(ScalarType.BFloat16));
        var bias = (randn([n], generator: generator) * 0.02).to(ScalarType.BFloat16);
        var (values, scale) = BlockwiseInt8.Quantize(x);
        var expected = Int8Gemm.Accumulate(values, scale, weight, weightScale).to(ScalarType.BFloat16) + bias;

        var (nativeValues, nativeScale) = NativeInt8Kernels.Quantize(x.cuda());
        var y = NativeInt8Kernels.Linear(x.cuda(), weight.cuda(), weightScale.cuda(), bias.cuda(), path);

        TensorAssert.Identical(nativeValues.cpu(), values, "int8 codes of the partial-tile activation");
        TensorAssert.Identical(nativeScale.cpu(), scale, "scales of the partial-tile activation");
        TensorAssert.Identical(y.cpu(), expected, $"{path} [{m}, {k}] x [{n}, {k}]^T");
    }

    [Fact]
    public void An_Int8Linear_on_cuda_runs_the_kernels_and_keeps_leading_dimensions()
    {
        CudaDevice.RequireNativeKernels();
        using var scope = NewDisposeScope();
        var linear = Int8Linear.Quantize("blocks.0.ffn.0", fixture.Load("w_bf16").cuda(), fixture.Load("bias_bf16").cuda());
        var x = fixture.Load("x_bf16");
        var expected = fixture.Load("out_bf16");

        var y = linear.Forward(x.cuda().view(2, -1, x.shape[1]));

        Assert.Equal(DeviceType.CUDA, y.device.type);
        Assert.Equal([2, x.shape[0] / 2, expected.shape[1]], y.shape);
        fixture.AssertExact(OutputTolerance, y.cpu().view(expected.shape), expected);
    }

    [Theory]
    [InlineData("out_w8a8_gpu")]
    [InlineData("out_w8a8_sim_fp64")]
    public void Dit_t2v_tiny_from_turbo_quant_pth_with_int8_linears_on_cuda_matches_the_w8a8_references(string reference)
    {
        CudaDevice.RequireNativeKernels();
        using var dit = WanFixture.T2V();
        using var checkpoint = WanCheckpoint.Open(dit.Golden.PathOf("turbo-quant.pth"));
        using var outputs = dit.Golden.Tensors("outputs.safetensors");
        using var expected = outputs.Load(reference);
        using var model = WanModel.Load(checkpoint, dit.Config, WanPrecision.W8A8, CUDA);
        using var x = dit.X.to(ScalarType.BFloat16, CUDA);
        using var timestep = dit.Timestep.to(CUDA);
        using var prompt = dit.Context.to(ScalarType.BFloat16, CUDA);

        using var context = model.PrepareContext(prompt);
        using var velocity = model.Forward(x, timestep, context);

        var difference = TensorAssert.Close(velocity.cpu(), expected, dit.Golden.Tolerance(W8A8Tolerance), $"turbo-quant.pth W8A8 CUDA vs {reference}");
        output.WriteLine($"dit_t2v_tiny W8A8 CUDA vs {reference}: max_abs {difference.MaxAbs:E2}, rel_l2 {difference.RelL2:E2}");
    }
}
