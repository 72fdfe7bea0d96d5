using TurboDiffusion.Engine.Media;

namespace TurboDiffusion.Engine.Tests.Media;

/// <summary>
/// What every <see cref="IMp4Writer"/> promises: the same size checks, a video that appears whole on completion or
/// not at all, and an older file under the same name untouched by any failure. Each writer's test class runs these.
/// </summary>
public abstract class Mp4WriterContract : IDisposable
{
    protected const int Width = 64;
    protected const int Height = 48;

    protected TemporaryDirectory Directory { get; } = new();

    protected abstract VideoEncoderKind Kind { get; }

    [Fact]
    public async Task The_video_replaces_an_older_file_only_when_complete_with_its_index_first()
    {
        var path = Directory.File("clip.mp4");
        await File.WriteAllTextAsync(path, "previous render", TestContext.Current.CancellationToken);

        await using (var writer = Start(path, Width, Height))
        {
            for (var frame = 0; frame < 3; frame++)
            {
                await writer.WriteFrameAsync(TestFrames.MovingGradient(Width, Height, frame), TestContext.Current.CancellationToken);
            }

            Assert.Equal("previous render", await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken));
            Assert.Equal(3, writer.FramesWritten);
            Assert.Equal(Kind, writer.Encoder.Kind);
            await writer.CompleteAsync(TestContext.Current.CancellationToken);
        }

        Assert.Equal(["clip.mp4"], Directory.FileNames());
        var boxes = Mp4File.Read(path).TopLevel().Select(box => box.Type).ToList();
        var moov = boxes.IndexOf("moov");
        Assert.True(moov >= 0 && moov < boxes.IndexOf("mdat"), $"top-level boxes: {string.Join(", ", boxes)}");
    }

    [Fact]
    public void A_frame_of_the_wrong_size_is_rejected_naming_expected_and_found_bytes()
    {
        using var writer = Start(Directory.File("clip.mp4"), Width, Height);

        var error = Assert.Throws<ArgumentException>(() => writer.WriteFrame(new byte[(Width * Height * 3) - 1]));

        Assert.Contains("9216 bytes", error.Message);
        Assert.Contains("found 9215 bytes", error.Message);
        Assert.Equal(0, writer.FramesWritten);
    }

    [Theory]
    [InlineData(63, 48)]
    [InlineData(64, 47)]
    [InlineData(0, 48)]
    [InlineData(64, -2)]
    public void Sizes_that_are_not_positive_and_even_are_rejected(int width, int height)
    {
        var error = Assert.Throws<ArgumentException>(() => Start(Directory.File("clip.mp4"), width, height));

        Assert.Contains("positive, even", error.Message);
        Assert.Contains($"{width}x{height}", error.Message);
        Assert.Empty(Directory.FileNames());
    }

    [Fact]
    public async Task Cancelling_a_frame_write_leaves_no_file_and_the_older_file_untouched()
    {
        var path = Directory.File("clip.mp4");
        await File.WriteAllTextAsync(path, "previous render", TestContext.Current.CancellationToken);
        using var cancellation = new CancellationTokenSource();
        await using var writer = Start(path, Width, Height);
        await writer.WriteFrameAsync(TestFrames.MovingGradient(Width, Height, 0), cancellation.Token);
        AssertEncoderRunning();

        await cancellation.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await writer.WriteFrameAsync(TestFrames.MovingGradient(Width, Height, 1), cancellation.Token));

        AssertEncoderStopped();
        Assert.Equal(["clip.mp4"], Directory.FileNames());
        Assert.Equal("previous render", await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken));
        await Assert.ThrowsAsync<InvalidOperationException>(() => writer.CompleteAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Cancelling_completion_leaves_no_file()
    {
        var writer = Start(Directory.File("clip.mp4"), Width, Height);
        writer.WriteFrame(TestFrames.MovingGradient(Width, Height, 0));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => writer.CompleteAsync(new CancellationToken(canceled: true)));
        await writer.DisposeAsync();

        AssertEncoderStopped();
        Assert.Empty(Directory.FileNames());
    }

    [Fact]
    public void Disposing_before_completion_abandons_the_video()
    {
        using (var writer = Start(Directory.File("clip.mp4"), Width, Height))
        {
            writer.WriteFrame(TestFrames.MovingGradient(Width, Height, 0));
            AssertEncoderRunning();
        }

        AssertEncoderStopped();
        Assert.Empty(Directory.FileNames());
    }

    [Fact]
    public async Task Completing_without_frames_is_an_error_and_leaves_no_file()
    {
        await using var writer = Start(Directory.File("clip.mp4"), Width, Height);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => writer.CompleteAsync(TestContext.Current.CancellationToken));

        Assert.Contains("No frame", error.Message);
        Assert.Empty(Directory.FileNames());
    }

    [Fact]
    public async Task A_completed_writer_takes_no_more_frames()
    {
        await using var writer = Start(Directory.File("clip.mp4"), Width, Height);
        writer.WriteFrame(TestFrames.MovingGradient(Width, Height, 0));
        await writer.CompleteAsync(TestContext.Current.CancellationToken);

        var error = Assert.Throws<InvalidOperationException>(() => writer.WriteFrame(TestFrames.MovingGradient(Width, Height, 1)));

        Assert.Contains("already completed", error.Message);
        Assert.Equal(["clip.mp4"], Directory.FileNames());
    }

    [Fact]
    public async Task A_video_that_cannot_be_moved_into_place_leaves_no_temporary_file()
    {
        var path = Directory.File("clip.mp4");
        System.IO.Directory.CreateDirectory(path);
        await using var writer = Start(path, Width, Height);
        writer.WriteFrame(TestFrames.MovingGradient(Width, Height, 0));

        var error = await Assert.ThrowsAsync<IOException>(() => writer.CompleteAsync(TestContext.Current.CancellationToken));

        Assert.Contains("could not be moved onto", error.Message);
        Assert.Empty(Directory.FileNames());
        Assert.True(System.IO.Directory.Exists(path));
    }

    public void Dispose()
    {
        Directory.Dispose();
        GC.SuppressFinalize(this);
    }

    protected abstract IMp4Writer Start(string path, int width, int height);

    /// <summary>For an encoder that runs as a process: checks that it runs.</summary>
    protected virtual void AssertEncoderRunning()
    {
    }

    /// <summary>For an encoder that runs as a process: checks that it was stopped.</summary>
    protected virtual void AssertEncoderStopped()
    {
    }
}
