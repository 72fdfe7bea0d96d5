using TorchSharp;
using TurboDiffusion.Engine.Models.WanVae;
using TurboDiffusion.Engine.Runtime;
using TurboDiffusion.Engine.Tests.Sampling;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Models.WanVae;

public sealed class WanVaeRuntimeTests
{
    public WanVaeRuntimeTests() => TorchRuntime.EnsureLoaded();

    [Fact]
    public void Decode_reports_each_latent_frame_in_order_and_returns_clamped_frames_of_the_video_size()
    {
        using var scope = NewDisposeScope();
        using var vae = VaeTinyFixture.Load(VaePrecision.Fp32);
        var reports = new List<VaeProgress>();

        var z = VaeTinyFixture.Input("z");
        var latentFrames = (int)z.shape[2];

        var video = vae.Decode(z, progress: new InlineProgress<VaeProgress>(reports.Add), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(Enumerable.Range(1, latentFrames).Select(done => new VaeProgress(done, latentFrames)), reports);
        Assert.Equal(VaeTinyFixture.Open().Manifest.Shape("outputs.safetensors", "decode_clamped_fp64"), video.shape);
        Assert.Equal(ScalarType.Float32, video.dtype);
        Assert.Equal(-1f, video.min().item<float>());
        Assert.Equal(1f, video.max().item<float>());
    }

    [Fact]
    public void Tiled_decode_reports_each_latent_frame_of_each_tile()
    {
        using var scope = NewDisposeScope();
        using var vae = VaeTinyFixture.Load(VaePrecision.Fp32);
        var reports = new List<VaeProgress>();

        vae.Decode(zeros([1, VaeTinyFixture.Config.ZDim, 2, 3, 6]), new VaeTiling(Tile: 4, Blend: 2, Halo: 1), new InlineProgress<VaeProgress>(reports.Add), TestContext.Current.CancellationToken);

        Assert.Equal(Enumerable.Range(1, 2 * 2).Select(done => new VaeProgress(done, 4)), reports);
    }

    [Fact]
    public void Encode_reports_the_first_frame_and_every_temporal_stride_of_frames_as_chunks()
    {
        using var scope = NewDisposeScope();
        using var vae = VaeTinyFixture.Load(VaePrecision.Fp32);
        var (config, reports) = (VaeTinyFixture.Config, new List<VaeProgress>());
        const int chunks = 4;
        var image = zeros([2, 3, 2 * config.SpatialStride, 3 * config.SpatialStride]);

        var latents = vae.EncodeImage(image, config.VideoFrames(chunks), new InlineProgress<VaeProgress>(reports.Add), TestContext.Current.CancellationToken);

        Assert.Equal(Enumerable.Range(1, chunks).Select(done => new VaeProgress(done, chunks)), reports);
        Assert.Equal([2L, config.ZDim, chunks, 2, 3], latents.shape);
    }

    [Fact]
    public void Cancelling_from_the_progress_callback_stops_before_the_next_latent_frame_and_frees_the_partial_video()
    {
        using var scope = NewDisposeScope();
        using var vae = VaeTinyFixture.Load(VaePrecision.Fp32);
        var z = VaeTinyFixture.Input("z");
        using var cancellation = new CancellationTokenSource();
        var reports = 0;
        var live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        Assert.Throws<OperationCanceledException>(() => vae.Decode(z, progress: new InlineProgress<VaeProgress>(_ =>
        {
            reports++;
            cancellation.Cancel();
        }), cancellationToken: cancellation.Token));

        Assert.Equal(1, reports);
        Assert.Equal(live, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void Decode_and_encode_leave_only_their_results_alive()
    {
        using var scope = NewDisposeScope();
        using var vae = VaeTinyFixture.Load(VaePrecision.Fp32);
        var (z, video) = (VaeTinyFixture.Input("z"), VaeTinyFixture.Input("video"));
        var live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        using (vae.Decode(z, cancellationToken: TestContext.Current.CancellationToken))
        using (vae.Decode(z, new VaeTiling(Tile: 4, Blend: 2, Halo: 2), cancellationToken: TestContext.Current.CancellationToken))
        using (vae.Encode(video, cancellationToken: TestContext.Current.CancellationToken))
        {
            Assert.Equal(live + 3, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        }

        Assert.Equal(live, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void Latents_with_another_channel_count_are_refused_naming_expected_and_found()
    {
        using var scope = NewDisposeScope();
        using var vae = VaeTinyFixture.Load(VaePrecision.Fp32);

        var zDim = VaeTinyFixture.Config.ZDim;

        var error = Assert.Throws<ArgumentException>(() => vae.Decode(zeros([1, zDim - 1, 3, 4, 6]), cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal("latents", error.ParamName);
        Assert.Contains($"expects {zDim} latent channels, found {zDim - 1}", error.Message, StringComparison.Ordinal);
        Assert.Contains($"[1, {zDim - 1}, 3, 4, 6]", error.Message, StringComparison.Ordinal);
    }

    /// <summary>The fixture's video shape [B, 3, F, H, W] with one frame too many, rows off the spatial stride, a fourth colour channel and no batch axis.</summary>
    public static TheoryData<long[], string> VideosTheEncoderCannotChunk()
    {
        var config = VaeTinyFixture.Config;
        var (b, c, f, h, w) = Dimensions(VaeTinyFixture.Open().Manifest.Shape("inputs.safetensors", "video"));
        const string rgb = "[B, 3, F, H, W] (RGB in [-1, 1]); found";
        return new()
        {
            { [b, c, f + 1, h, w], $"1 + {config.TemporalStride}k frames (e.g. {config.VideoFrames(21)}); found {f + 1}" },
            { [b, c, f, h - 2, w], $"multiples of {config.SpatialStride}; found {h - 2}×{w}" },
            { [b, c + 1, f, h, w], $"{rgb} [{b}, {c + 1}, {f}, {h}, {w}]" },
            { [c, f, h, w], $"{rgb} [{c}, {f}, {h}, {w}]" },
        };
    }

    [Theory]
    [MemberData(nameof(VideosTheEncoderCannotChunk))]
    public void Video_the_encoder_cannot_chunk_is_refused_saying_why(long[] shape, string reason)
    {
        using var scope = NewDisposeScope();
        using var vae = VaeTinyFixture.Load(VaePrecision.Fp32);

        var error = Assert.Throws<ArgumentException>(() => vae.Encode(zeros(shape), cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_image_for_a_frame_count_the_encoder_cannot_chunk_is_refused()
    {
        using var scope = NewDisposeScope();
        using var vae = VaeTinyFixture.Load(VaePrecision.Fp32);

        var image = VaeTinyFixture.Input("video").select(2, 0);

        var error = Assert.Throws<ArgumentException>(() => vae.EncodeImage(image, VaeTinyFixture.Config.VideoFrames(2) + 1, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal("frames", error.ParamName);
    }

    private static (long B, long C, long F, long H, long W) Dimensions(long[] shape) => (shape[0], shape[1], shape[2], shape[3], shape[4]);
}
