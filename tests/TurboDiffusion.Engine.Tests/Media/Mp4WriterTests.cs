using System.Buffers.Binary;
using System.Text;
using TurboDiffusion.Engine.Media;

namespace TurboDiffusion.Engine.Tests.Media;

public sealed class Mp4WriterTests : IDisposable
{
    private const int Width = 64;
    private const int Height = 48;
    private const int FrameCount = 17;

    private readonly TemporaryDirectory directory = new();

    [Fact]
    public async Task Seventeen_frames_become_an_h264_yuv420p_mp4_at_16_fps()
    {
        var path = directory.File("clip.mp4");

        await using (var writer = Mp4Writer.Start(path, Width, Height))
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
        Assert.Equal(["clip.mp4"], directory.FileNames());
    }

    [Fact]
    public async Task Decoded_frames_match_the_written_pixels_within_h264_loss()
    {
        var path = directory.File("clip.mp4");
        var first = TestFrames.MovingGradient(Width, Height, 0);

        using (var writer = Mp4Writer.Start(path, Width, Height, new Mp4Options { ConstantRateFactor = 0 }))
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
    public async Task The_moov_atom_precedes_the_media_data_so_playback_can_start_early()
    {
        var path = directory.File("clip.mp4");

        using (var writer = Mp4Writer.Start(path, Width, Height))
        {
            for (var frame = 0; frame < 3; frame++)
            {
                writer.WriteFrame(TestFrames.MovingGradient(Width, Height, frame));
            }

            await writer.CompleteAsync(TestContext.Current.CancellationToken);
        }

        var boxes = TopLevelBoxes(await File.ReadAllBytesAsync(path, TestContext.Current.CancellationToken));
        Assert.Contains("moov", boxes);
        Assert.Contains("mdat", boxes);
        Assert.True(boxes.IndexOf("moov") < boxes.IndexOf("mdat"), $"top-level boxes: {string.Join(", ", boxes)}");
    }

    [Fact]
    public void A_frame_of_the_wrong_size_is_rejected_naming_expected_and_found_bytes()
    {
        using var writer = Mp4Writer.Start(directory.File("clip.mp4"), Width, Height);

        var error = Assert.Throws<ArgumentException>(() => writer.WriteFrame(new byte[(Width * Height * 3) - 1]));

        Assert.Contains("9216 bytes", error.Message);
        Assert.Contains("found 9215 bytes", error.Message);
    }

    [Theory]
    [InlineData(63, 48)]
    [InlineData(64, 47)]
    public void Odd_sizes_are_rejected_saying_they_must_be_even(int width, int height)
    {
        var error = Assert.Throws<ArgumentException>(() => Mp4Writer.Start(directory.File("clip.mp4"), width, height));

        Assert.Contains("even", error.Message);
        Assert.Contains($"{width}x{height}", error.Message);
        Assert.Empty(directory.FileNames());
    }

    [Fact]
    public async Task A_failing_ffmpeg_surfaces_its_stderr_and_leaves_the_previous_file_untouched()
    {
        var path = directory.File("clip.mp4");
        await File.WriteAllTextAsync(path, "previous render", TestContext.Current.CancellationToken);
        var options = new Mp4Options { ExtraOutputArguments = ["-tune", "no-such-tune"] };

        var error = await Assert.ThrowsAsync<FfmpegException>(async () =>
        {
            await using var writer = Mp4Writer.Start(path, Width, Height, options);
            for (var frame = 0; frame < FrameCount; frame++)
            {
                await writer.WriteFrameAsync(TestFrames.MovingGradient(Width, Height, frame), TestContext.Current.CancellationToken);
            }

            await writer.CompleteAsync(TestContext.Current.CancellationToken);
        });

        Assert.NotEqual(0, error.ExitCode);
        Assert.Contains("no-such-tune", error.Message);
        Assert.Contains(error.ErrorOutput, line => line.Contains("no-such-tune", StringComparison.Ordinal));
        Assert.Equal(["clip.mp4"], directory.FileNames());
        Assert.Equal("previous render", await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Cancelling_a_frame_write_stops_ffmpeg_and_leaves_no_file()
    {
        using var cancellation = new CancellationTokenSource();
        await using var writer = Mp4Writer.Start(directory.File("clip.mp4"), Width, Height);
        await writer.WriteFrameAsync(TestFrames.MovingGradient(Width, Height, 0), cancellation.Token);

        Assert.Equal(1, RunningProcesses.WithArgumentContaining(directory.Path));

        await cancellation.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await writer.WriteFrameAsync(TestFrames.MovingGradient(Width, Height, 1), cancellation.Token));

        Assert.Equal(0, RunningProcesses.WithArgumentContaining(directory.Path));
        Assert.Empty(directory.FileNames());
        await Assert.ThrowsAsync<InvalidOperationException>(() => writer.CompleteAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Cancelling_completion_leaves_no_file()
    {
        var writer = Mp4Writer.Start(directory.File("clip.mp4"), Width, Height);
        writer.WriteFrame(TestFrames.MovingGradient(Width, Height, 0));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => writer.CompleteAsync(new CancellationToken(canceled: true)));
        await writer.DisposeAsync();

        Assert.Empty(directory.FileNames());
    }

    [Fact]
    public void Disposing_before_completion_abandons_the_video()
    {
        using (var writer = Mp4Writer.Start(directory.File("clip.mp4"), Width, Height))
        {
            writer.WriteFrame(TestFrames.MovingGradient(Width, Height, 0));
        }

        Assert.Equal(0, RunningProcesses.WithArgumentContaining(directory.Path));
        Assert.Empty(directory.FileNames());
    }

    [Fact]
    public async Task Completing_without_frames_is_an_error_and_leaves_no_file()
    {
        await using var writer = Mp4Writer.Start(directory.File("clip.mp4"), Width, Height);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => writer.CompleteAsync(TestContext.Current.CancellationToken));

        Assert.Contains("No frame", error.Message);
        Assert.Empty(directory.FileNames());
    }

    [Fact]
    public void A_missing_ffmpeg_says_how_to_install_it()
    {
        var missing = directory.File("ffmpeg");

        var error = Assert.Throws<FfmpegNotFoundException>(() => Mp4Writer.Start(directory.File("clip.mp4"), Width, Height, new Mp4Options { FfmpegPath = missing }));

        Assert.Contains(missing, error.Message);
        Assert.Contains("apt-get install ffmpeg", error.Message);
        Assert.Empty(directory.FileNames());
    }

    [Fact]
    public void Without_ffmpeg_on_path_the_locator_says_how_to_install_it()
    {
        var error = Assert.Throws<FfmpegNotFoundException>(() => FfmpegLocator.Require(explicitPath: null, searchPath: directory.Path));

        Assert.Contains("not found on PATH", error.Message);
        Assert.Contains("apt-get install ffmpeg", error.Message);
    }

    public void Dispose() => directory.Dispose();

    private static List<string> TopLevelBoxes(byte[] mp4)
    {
        var boxes = new List<string>();
        for (var offset = 0L; offset + 8 <= mp4.Length;)
        {
            var size = (long)BinaryPrimitives.ReadUInt32BigEndian(mp4.AsSpan((int)offset));
            boxes.Add(Encoding.ASCII.GetString(mp4, (int)offset + 4, 4));
            if (size == 1)
            {
                size = (long)BinaryPrimitives.ReadUInt64BigEndian(mp4.AsSpan((int)offset + 8));
            }

            Assert.True(size >= 8, $"box '{boxes[^1]}' at {offset} has size {size}");
            offset += size;
        }

        return boxes;
    }
}
