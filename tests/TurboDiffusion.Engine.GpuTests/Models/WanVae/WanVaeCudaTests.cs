using System.Diagnostics;
using TurboDiffusion.Engine.Models.WanVae;
using TurboDiffusion.Engine.Runtime;
using TurboDiffusion.Engine.Tests.Fixtures;
using TurboDiffusion.Engine.Tests.Models.WanVae;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.GpuTests.Models.WanVae;

/// <summary>The VAE at inference precision on a GPU.</summary>
public sealed class WanVaeCudaTests(ITestOutputHelper output)
{
    private const long GiB = 1L << 30;

    [Fact]
    public void Vae_tiny_in_bf16_on_cuda_decodes_and_encodes_within_the_bf16_tolerance_of_the_float64_reference()
    {
        CudaDevice.Require();
        using var scope = NewDisposeScope();
        using var weights = VaeTinyFixture.PthWeights();
        using var vae = Engine.Models.WanVae.WanVae.Load(weights, VaeTinyFixture.Config, VaePrecision.Bf16, CUDA);
        var tolerance = VaeTinyFixture.Tolerance(VaeTinyFixture.BFloat16);

        var video = vae.Decode(VaeTinyFixture.Input("z").cuda(), cancellationToken: TestContext.Current.CancellationToken);
        var latents = vae.Encode(VaeTinyFixture.Input("video").cuda(), cancellationToken: TestContext.Current.CancellationToken);

        var decode = TensorAssert.Close(video, VaeTinyFixture.Output("decode_clamped_fp64"), tolerance, "vae_tiny bf16 CUDA decode");
        var encode = TensorAssert.Close(latents, VaeTinyFixture.Output("encode_mu_fp64"), tolerance, "vae_tiny bf16 CUDA encode");
        var official = TensorAssert.Compare(latents, VaeTinyFixture.Output("encode_mu_bf16_gpu"));
        output.WriteLine($"vae_tiny bf16 CUDA vs float64: decode (clamped) max_abs {decode.MaxAbs:E2} rel_l2 {decode.RelL2:E2}; encode max_abs {encode.MaxAbs:E2} rel_l2 {encode.RelL2:E2}; encode vs the official bf16 GPU run rel_l2 {official.RelL2:E2}");
    }

    /// <summary>
    /// The default tiling's claim: a 720P, 81-frame decode in bf16 fits a 24 GB card. Device memory is read from the
    /// driver (the caching allocator keeps its peak reserved), so the growth printed is the decode's peak only when
    /// this test runs alone (<c>-method "*720p*"</c>); after other tests it can only read lower.
    /// </summary>
    [Fact]
    public void Wan21_vae_decodes_720p_81_frames_tiled_in_bf16_within_24_gib()
    {
        CudaDevice.Require();
        var before = BytesInUse();
        using var scope = NewDisposeScope();
        using var weights = new RandomWanVaeWeights(WanVaeConfig.Wan21, seed: 1, ScalarType.BFloat16, CUDA);
        using var vae = Engine.Models.WanVae.WanVae.Load(weights, WanVaeConfig.Wan21, VaePrecision.Bf16, CUDA);
        var z = randn([1, 16, 21, 90, 160], ScalarType.Float32, CUDA);

        var clock = Stopwatch.StartNew();
        var video = vae.Decode(z, VaeTiling.Default, cancellationToken: TestContext.Current.CancellationToken);
        cuda.synchronize(CUDA);
        var elapsed = clock.Elapsed;

        var growth = BytesInUse() - before;
        output.WriteLine($"Wan2.1 VAE bf16, 720P x 81 frames, default tiling: {elapsed.TotalSeconds:F1} s, device memory grew by {growth / (double)GiB:F2} GiB (weights, video and decode)");
        Assert.Equal([1L, 3, 81, 720, 1280], video.shape);
        Assert.True(video.isfinite().all().item<bool>());
        Assert.InRange(growth, 0, 24 * GiB);
    }

    private static long BytesInUse()
    {
        var device = TorchRuntime.Describe().Devices[0];
        return device.TotalBytes - device.FreeBytes;
    }
}
