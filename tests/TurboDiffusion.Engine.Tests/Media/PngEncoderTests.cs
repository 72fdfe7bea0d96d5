using TurboDiffusion.Engine.Media;

namespace TurboDiffusion.Engine.Tests.Media;

public sealed class PngEncoderTests : IDisposable
{
    private readonly TemporaryDirectory directory = new();

    [Theory]
    [InlineData(1, 1)]
    [InlineData(7, 5)]
    [InlineData(64, 48)]
    [InlineData(33, 17)]
    public void Encoding_then_decoding_gives_back_the_same_pixels(int width, int height)
    {
        var noise = TestFrames.Random(width, height, seed: width * height);
        var gradient = TestFrames.MovingGradient(width, height, frame: 3);

        Assert.Equal(noise, PngDecoder.Decode(PngEncoder.Encode(width, height, noise), "noise.png").Pixels);
        Assert.Equal(gradient, PngDecoder.Decode(PngEncoder.Encode(width, height, gradient), "gradient.png").Pixels);
    }

    [Fact]
    public void Ffmpeg_reads_the_encoded_png_as_the_same_pixels()
    {
        var path = directory.File("frame.png");
        var pixels = TestFrames.MovingGradient(64, 48, frame: 5);

        PngEncoder.Write(path, 64, 48, pixels);

        Assert.Equal(pixels, Ffmpeg.DecodeToRgb24("-i", path));
        Assert.Equal(["frame.png"], directory.FileNames());
    }

    [Fact]
    public void Smooth_images_compress_well_thanks_to_row_filters()
    {
        var png = PngEncoder.Encode(64, 48, TestFrames.MovingGradient(64, 48, frame: 0));

        Assert.True(png.Length < 64 * 48 * 3 / 4, $"{png.Length} bytes for {64 * 48 * 3} bytes of gradient");
    }

    [Fact]
    public void Pixels_of_the_wrong_size_are_rejected_naming_expected_and_found_bytes()
    {
        var error = Assert.Throws<ArgumentException>(() => PngEncoder.Encode(4, 2, new byte[23]));

        Assert.Contains("24 bytes", error.Message);
        Assert.Contains("found 23 bytes", error.Message);
    }

    [Fact]
    public void The_frame_writer_numbers_files_from_frame_0000()
    {
        var frames = Path.Combine(directory.Path, "frames");
        var writer = new PngFrameWriter(frames, 64, 48);

        var paths = Enumerable.Range(0, 3).Select(i => writer.WriteFrame(TestFrames.MovingGradient(64, 48, i))).ToList();

        Assert.Equal(["frame_0000.png", "frame_0001.png", "frame_0002.png"], Directory.GetFiles(frames).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(paths, Directory.GetFiles(frames).Order(StringComparer.Ordinal));
        Assert.Equal(TestFrames.MovingGradient(64, 48, 2), PngDecoder.Read(paths[2]).Pixels);
        Assert.Equal(3, writer.FramesWritten);
    }

    public void Dispose() => directory.Dispose();
}
