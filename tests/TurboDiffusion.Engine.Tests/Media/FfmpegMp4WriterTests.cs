using TurboDiffusion.Engine.Media;

namespace TurboDiffusion.Engine.Tests.Media;

public sealed class FfmpegMp4WriterTests : Mp4WriterContract
{
    private const int FrameCount = 17;

    protected override VideoEncoderKind Kind => VideoEncoderKind.Ffmpeg;

    [Fact]
    public async Task Seventeen_frames_become_an_h264_yuv420p_mp4_at_16_fps()
    {
        var path = Directory.File("clip.mp4");

        await using (var writer = FfmpegMp4Writer.Start(path, Width, Height))
        {
            for (var frame = 0; frame < FrameCount; frame++)
            {
                await writer.WriteFrameAsync(TestFrames.MovingGradient(Width, Height, frame), TestContext.Current.CancellationToken);
            }

            await writer.CompleteAsync(TestContext.Current.CancellationToken);
        }

        var stream = Ffmpeg.ProbeVideoStream(path);
        Assert.Equal("h264", stream.GetProperty("codec_name").GetString());
        Assert.Equal("yuv420p", stream.GetProperty("pix_fmt").GetString());
        Assert.Equal("bt709", stream.GetProperty("color_space").GetString());
        Assert.Equal(Width, stream.GetProperty("width").GetInt32());
        Assert.Equal(Height, stream.GetProperty("height").GetInt32());
        Assert.Equal(FrameCount.ToString(), stream.GetProperty("nb_read_frames").GetString());
        Assert.Equal("16/1", stream.GetProperty("r_frame_rate").GetString());
        Assert.Equal("16/1", stream.GetProperty("avg_frame_rate").GetString());
        Assert.Equal(["clip.mp4"], Directory.FileNames());
    }

    [Fact]
    public async Task Decoded_frames_match_the_written_pixels_within_h264_loss()
    {
        var path = Directory.File("clip.mp4");
        var first = TestFrames.MovingGradient(Width, Height, 0);

        using (var writer = FfmpegMp4Writer.Start(path, Width, Height, new Mp4Options { ConstantRateFactor = 0 }))
        {
            writer.WriteFrame(first);
            writer.WriteFrame(TestFrames.MovingGradient(Width, Height, 1));
            await writer.CompleteAsync(TestContext.Current.CancellationToken);
        }

        var decoded = Ffmpeg.DecodeToRgb24("-i", path);
        var meanError = first.Zip(decoded, (a, b) => Math.Abs(a - b)).Average();

        // 2x2 chroma and limited range cost about 2 levels here; converting with BT.601 while tagging BT.709 costs about 7.
        Assert.True(meanError < 3.0, $"mean absolute error {meanError:0.00} per channel after a lossless-CRF round trip through yuv420p");
    }

    [Fact]
    public async Task A_failing_ffmpeg_surfaces_its_stderr_and_leaves_the_previous_file_untouched()
    {
        var path = Directory.File("clip.mp4");
        await File.WriteAllTextAsync(path, "previous render", TestContext.Current.CancellationToken);
        var options = new Mp4Options { ExtraOutputArguments = ["-tune", "no-such-tune"] };

        var error = await Assert.ThrowsAsync<FfmpegException>(async () =>
        {
            await using var writer = FfmpegMp4Writer.Start(path, Width, Height, options);
            for (var frame = 0; frame < FrameCount; frame++)
            {
                await writer.WriteFrameAsync(TestFrames.MovingGradient(Width, Height, frame), TestContext.Current.CancellationToken);
            }

            await writer.CompleteAsync(TestContext.Current.CancellationToken);
        });

        Assert.NotEqual(0, error.ExitCode);
        Assert.Contains("no-such-tune", error.Message);
        Assert.Contains(error.ErrorOutput, line => line.Contains("no-such-tune", StringComparison.Ordinal));
        Assert.Equal(["clip.mp4"], Directory.FileNames());
        Assert.Equal("previous render", await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken));
    }

    [Fact]
    public void A_missing_ffmpeg_says_how_to_install_it()
    {
        var missing = Directory.File("ffmpeg");

        var error = Assert.Throws<FfmpegNotFoundException>(() => FfmpegMp4Writer.Start(Directory.File("clip.mp4"), Width, Height, new Mp4Options { FfmpegPath = missing }));

        Assert.Contains(missing, error.Message);
        Assert.Contains("apt-get install ffmpeg", error.Message);
        Assert.Empty(Directory.FileNames());
    }

    [Fact]
    public void Without_ffmpeg_on_path_the_locator_says_how_to_install_it()
    {
        var error = Assert.Throws<FfmpegNotFoundException>(() => FfmpegLocator.Require(explicitPath: null, searchPath: Directory.Path));

        Assert.Contains("not found on PATH", error.Message);
        Assert.Contains("apt-get install ffmpeg", error.Message);
    }

    protected override IMp4Writer Start(string path, int width, int height) => FfmpegMp4Writer.Start(path, width, height);

    protected override void AssertEncoderRunning() => Assert.Equal(1, RunningProcesses.WithArgumentContaining(Directory.Path));

    protected override void AssertEncoderStopped() => Assert.Equal(0, RunningProcesses.WithArgumentContaining(Directory.Path));
}
