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

        var video = vae.Decode(VaeTinyFixture.Input("z"), progress: new InlineProgress<VaeProgress>(reports.Add), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal([new(1, 3), new(2, 3), new(3, 3)], reports);
        Assert.Equal([1L, 3, 9, 32, 48], video.shape);
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

        vae.Decode(zeros([1, 16, 2, 3, 6]), new VaeTiling(Tile: 4, Blend: 2, Halo: 1), new InlineProgress<VaeProgress>(reports.Add), TestContext.Current.CancellationToken);

        Assert.Equal(Enumerable.Range(1, 2 * 2).Select(done => new VaeProgress(done, 4)), reports);
    }

    [Fact]
    public void Encode_reports_the_first_frame_and_every_four_frames_as_chunks()
    {
        using var scope = NewDisposeScope();
        using var vae = VaeTinyFixture.Load(VaePrecision.Fp32);
        var reports = new List<VaeProgress>();

        var latents = vae.EncodeImage(zeros([2, 3, 16, 24]), 13, new InlineProgress<VaeProgress>(reports.Add), TestContext.Current.CancellationToken);

        Assert.Equal([new(1, 4), new(2, 4), new(3, 4), new(4, 4)], reports);
        Assert.Equal([2L, 16, 4, 2, 3], latents.shape);
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

        var error = Assert.Throws<ArgumentException>(() => vae.Decode(zeros([1, 15, 3, 4, 6]), cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal("latents", error.ParamName);
        Assert.Contains("expects 16 latent channels, found 15", error.Message, StringComparison.Ordinal);
        Assert.Contains("[1, 15, 3, 4, 6]", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new long[] { 1, 3, 8, 32, 48 }, "1 + 4k frames (e.g. 81); found 8")]
    [InlineData(new long[] { 1, 3, 9, 30, 48 }, "multiples of 8; found 30×48")]
    [InlineData(new long[] { 1, 4, 9, 32, 48 }, "[B, 3, F, H, W] (RGB in [-1, 1]); found [1, 4, 9, 32, 48]")]
    [InlineData(new long[] { 3, 9, 32, 48 }, "[B, 3, F, H, W] (RGB in [-1, 1]); found [3, 9, 32, 48]")]
    public void Video_the_encoder_cannot_chunk_is_refused_saying_why(long[] shape, string reason)
    {
        using var scope = NewDisposeScope();
        using var vae = VaeTinyFixture.Load(VaePrecision.Fp32);

        var error = Assert.Throws<ArgumentException>(() => vae.Encode(zeros(shape), cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_image_for_a_frame_count_other_than_one_plus_four_k_is_refused()
    {
        using var scope = NewDisposeScope();
        using var vae = VaeTinyFixture.Load(VaePrecision.Fp32);

        var error = Assert.Throws<ArgumentException>(() => vae.EncodeImage(zeros([1, 3, 32, 48]), 80, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal("frames", error.ParamName);
    }
}
