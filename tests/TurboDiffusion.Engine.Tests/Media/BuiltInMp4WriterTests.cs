using TurboDiffusion.Engine.Media;

namespace TurboDiffusion.Engine.Tests.Media;

public sealed class BuiltInMp4WriterTests : Mp4WriterContract
{
    protected override VideoEncoderKind Kind => VideoEncoderKind.BuiltIn;

    [Fact]
    public void Writing_holds_one_frame_at_a_time_however_long_the_video()
    {
        const int Wide = 1280;
        const int High = 720;
        using var writer = BuiltInMp4Writer.Start(Directory.File("clip.mp4"), Wide, High);
        var frame = TestFrames.MovingGradient(Wide, High, 0);
        writer.WriteFrame(frame);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10; i++)
        {
            writer.WriteFrame(frame);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // Ten 1280x720 frames are 14 MB of samples; keeping any of them would allocate at least 1.4 MB.
        Assert.True(allocated < 64 * 1024, $"writing ten 1280x720 frames allocated {allocated} bytes");
    }

    [Fact]
    public void Frames_too_large_for_every_h264_level_are_rejected_before_a_file_is_made()
    {
        var error = Assert.Throws<ArgumentException>(() => BuiltInMp4Writer.Start(Directory.File("clip.mp4"), 1280, 720, new Mp4Options { FramesPerSecond = 240 }));

        Assert.Contains("exceeds every H.264 level", error.Message);
        Assert.Contains("ffmpeg", error.Message);
        Assert.Empty(Directory.FileNames());
    }

    [Fact]
    public void Invalid_options_are_rejected_as_for_ffmpeg()
    {
        var error = Assert.Throws<ArgumentException>(() => BuiltInMp4Writer.Start(Directory.File("clip.mp4"), Width, Height, new Mp4Options { FramesPerSecond = 0 }));

        Assert.Contains("FramesPerSecond", error.Message);
        Assert.Empty(Directory.FileNames());
    }

    protected override IMp4Writer Start(string path, int width, int height) => BuiltInMp4Writer.Start(path, width, height);
}
