using TurboDiffusion.Engine.Checkpoints;
using TurboDiffusion.Engine.Models.WanVae;
using TurboDiffusion.Engine.Pipelines;
using TurboDiffusion.Engine.Runtime;
using TurboDiffusion.Engine.Tests.Fixtures;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Models.WanVae;

public sealed class WanVaeTests
{
    public WanVaeTests() => TorchRuntime.EnsureLoaded();

    public static TheoryData<VaePrecision, string> Precisions => new()
    {
        { VaePrecision.Fp64, VaeTinyFixture.Float64 },
        { VaePrecision.Fp32, VaeTinyFixture.Float32 },
    };

    [Theory]
    [MemberData(nameof(Precisions))]
    public void Decode_matches_the_reference_before_and_after_the_clamp_within_fixture_tolerance(VaePrecision precision, string toleranceKey)
    {
        using var scope = NewDisposeScope();
        var tolerance = VaeTinyFixture.Tolerance(toleranceKey);
        using var vae = VaeTinyFixture.Load(precision);
        var z = VaeTinyFixture.Input("z");

        var raw = vae.DecodeUnclamped(z, null, null, TestContext.Current.CancellationToken);
        var clamped = vae.Decode(z, cancellationToken: TestContext.Current.CancellationToken);

        var rawDifference = TensorAssert.Close(raw, VaeTinyFixture.Output("decode_raw_fp64"), tolerance, $"{precision} decode before clamp");
        var clampedDifference = TensorAssert.Close(clamped, VaeTinyFixture.Output("decode_clamped_fp64"), tolerance, $"{precision} decode");
        TestContext.Current.TestOutputHelper?.WriteLine($"{precision} decode: raw max_abs {rawDifference.MaxAbs:E3} rel_l2 {rawDifference.RelL2:E3}; clamped max_abs {clampedDifference.MaxAbs:E3} rel_l2 {clampedDifference.RelL2:E3}");
    }

    [Theory]
    [MemberData(nameof(Precisions))]
    public void A_streamed_decode_hands_on_the_decoded_frames_chunk_by_chunk_in_order(VaePrecision precision, string toleranceKey)
    {
        using var scope = NewDisposeScope();
        using var vae = VaeTinyFixture.Load(precision);
        var z = VaeTinyFixture.Input("z");
        var chunks = new List<Tensor>();
        var progress = new List<int>();

        vae.DecodeStreaming(z, frames => chunks.Add(frames.clone().MoveToOuterDisposeScope()), new CallbackProgress<VaeProgress>(p => progress.Add(chunks.Count)), TestContext.Current.CancellationToken);

        // One chunk per latent frame, each handed on before its progress report: 1 frame, then the temporal stride.
        var stride = VaeTinyFixture.Config.TemporalStride;
        Assert.Equal(Enumerable.Range(1, (int)z.shape[2]), progress);
        Assert.Equal([1L, .. Enumerable.Repeat((long)stride, (int)z.shape[2] - 1)], chunks.Select(c => c.shape[2]));
        var streamed = cat([.. chunks], 2);
        TensorAssert.Identical(streamed, vae.Decode(z, cancellationToken: TestContext.Current.CancellationToken), $"{precision} streamed vs whole decode");
        TensorAssert.Close(streamed, VaeTinyFixture.Output("decode_clamped_fp64"), VaeTinyFixture.Tolerance(toleranceKey), $"{precision} streamed decode");
    }

    [Theory]
    [MemberData(nameof(Precisions))]
    public void Encode_matches_the_reference_within_fixture_tolerance(VaePrecision precision, string toleranceKey)
    {
        using var scope = NewDisposeScope();
        var tolerance = VaeTinyFixture.Tolerance(toleranceKey);
        using var vae = VaeTinyFixture.Load(precision);

        var mu = vae.Encode(VaeTinyFixture.Input("video"), cancellationToken: TestContext.Current.CancellationToken);

        var difference = TensorAssert.Close(mu, VaeTinyFixture.Output("encode_mu_fp64"), tolerance, $"{precision} encode");
        TestContext.Current.TestOutputHelper?.WriteLine($"{precision} encode: max_abs {difference.MaxAbs:E3} rel_l2 {difference.RelL2:E3}");
    }

    [Fact]
    public void The_official_pth_state_dict_decodes_and_encodes_like_the_reference_in_float64()
    {
        using var scope = NewDisposeScope();
        var tolerance = VaeTinyFixture.Tolerance(VaeTinyFixture.Float64);
        using var weights = VaeTinyFixture.PthWeights();
        using var vae = Engine.Models.WanVae.WanVae.Load(weights, VaeTinyFixture.Config, VaePrecision.Fp64);

        var raw = vae.DecodeUnclamped(VaeTinyFixture.Input("z"), null, null, TestContext.Current.CancellationToken);
        var mu = vae.Encode(VaeTinyFixture.Input("video"), cancellationToken: TestContext.Current.CancellationToken);

        Assert.IsType<PthFile>(weights);
        var decode = TensorAssert.Close(raw, VaeTinyFixture.Output("decode_raw_fp64"), tolerance, "decode from vae.pth");
        var encode = TensorAssert.Close(mu, VaeTinyFixture.Output("encode_mu_fp64"), tolerance, "encode from vae.pth");
        TestContext.Current.TestOutputHelper?.WriteLine($"vae.pth, float64: decode max_abs {decode.MaxAbs:E3}; encode max_abs {encode.MaxAbs:E3}");
    }

    [Fact]
    public void Bf16_decode_and_encode_stay_within_the_fixture_bf16_tolerance_of_the_float64_reference()
    {
        using var scope = NewDisposeScope();
        var tolerance = VaeTinyFixture.Tolerance(VaeTinyFixture.BFloat16);
        using var vae = VaeTinyFixture.Load(VaePrecision.Bf16);

        var raw = vae.DecodeUnclamped(VaeTinyFixture.Input("z"), null, null, TestContext.Current.CancellationToken);
        var mu = vae.Encode(VaeTinyFixture.Input("video"), cancellationToken: TestContext.Current.CancellationToken);

        var decode = TensorAssert.Close(raw, VaeTinyFixture.Output("decode_raw_fp64"), tolerance, "bf16 decode before clamp");
        var encode = TensorAssert.Close(mu, VaeTinyFixture.Output("encode_mu_fp64"), tolerance, "bf16 encode");
        TestContext.Current.TestOutputHelper?.WriteLine($"bf16 decode: max_abs {decode.MaxAbs:E3} rel_l2 {decode.RelL2:E3}; encode: max_abs {encode.MaxAbs:E3} rel_l2 {encode.RelL2:E3}");
    }

    [Fact]
    public void Decoding_starts_from_the_latent_times_std_plus_mean_of_the_reference()
    {
        using var scope = NewDisposeScope();

        var unnormalized = VaeTinyFixture.Config.Latents.Denormalize(VaeTinyFixture.Input("z").to(ScalarType.Float64));

        TensorAssert.Close(unnormalized, VaeTinyFixture.Output("decode_z_unnormalized_fp64"), VaeTinyFixture.Tolerance(VaeTinyFixture.Float64), "z * std + mean");
    }

    [Fact]
    public void The_fixture_latent_statistics_are_the_wan21_constants()
    {
        using var scope = NewDisposeScope();

        var mean = VaeTinyFixture.Input("latent_mean").data<float>().ToArray();
        var std = VaeTinyFixture.Input("latent_std").data<float>().ToArray();

        Assert.Equal(mean, LatentNormalization.Wan21.Mean.Select(m => (float)m));
        Assert.Equal(std, LatentNormalization.Wan21.Std.Select(s => (float)s));
        Assert.Equal(LatentNormalization.Wan21.Mean, VaeTinyFixture.Config.Latents.Mean);
        Assert.Equal(LatentNormalization.Wan21.Std, VaeTinyFixture.Config.Latents.Std);
    }

    [Fact]
    public void An_image_encodes_like_a_video_of_that_image_followed_by_zero_frames()
    {
        using var scope = NewDisposeScope();
        using var vae = VaeTinyFixture.Load(VaePrecision.Fp64);
        var reference = VaeTinyFixture.Input("video");
        var (frames, image) = (reference.shape[2], reference.select(2, 0));
        var video = cat([image.unsqueeze(2), zeros_like(reference).narrow(2, 1, frames - 1)], 2);

        var fromImage = vae.EncodeImage(image, (int)frames, cancellationToken: TestContext.Current.CancellationToken);
        var fromVideo = vae.Encode(video, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(VaeTinyFixture.Open().Manifest.Shape("outputs.safetensors", "encode_mu_fp64"), fromImage.shape);
        TensorAssert.Close(fromImage, fromVideo, VaeTinyFixture.Tolerance(VaeTinyFixture.Float64), "image encode vs video encode");
    }

    /// <summary>
    /// With a halo covering the upsampling stack's receptive field every kept pixel is computed from exactly the
    /// inputs the untiled decode uses, so the only difference is the blend's multiply and divide: the fixture's
    /// float64 bound (1e-9) applies unchanged. The wide case crops its outer tiles' windows (with a halo of 8 latent
    /// pixels it misses the bound, at 3e-6); the square case blends across rows and columns.
    /// </summary>
    [Theory]
    [InlineData(2, 26, 10, 4, 1, 4)]
    [InlineData(6, 6, 4, 2, 2, 2)]
    public void Tiled_decode_with_an_exact_halo_matches_the_untiled_decode_within_the_float64_tolerance(int height, int width, int tile, int blend, int rows, int columns)
    {
        using var scope = NewDisposeScope();
        using var vae = VaeTinyFixture.Load(VaePrecision.Fp64);
        var z = randn([1, VaeTinyFixture.Config.ZDim, 2, height, width], ScalarType.Float64, generator: new Generator(505));
        var tiling = new VaeTiling(tile, blend, VaeTiling.ExactHalo);
        var tiles = TileLayout.Plan(height, width, tiling);

        var untiled = vae.Decode(z, cancellationToken: TestContext.Current.CancellationToken);
        var tiled = vae.Decode(z, tiling, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(rows * columns, tiles.Count);
        Assert.Equal(columns, tiles.Select(t => t.Columns).Distinct().Count());
        var difference = TensorAssert.Close(tiled, untiled, VaeTinyFixture.Tolerance(VaeTinyFixture.Float64), "tiled vs untiled decode");
        TestContext.Current.TestOutputHelper?.WriteLine($"{rows}×{columns} tiles vs untiled: max_abs {difference.MaxAbs:E3} rel_l2 {difference.RelL2:E3}");
    }
}
