using TurboDiffusion.Engine.Media;

namespace TurboDiffusion.Engine.Tests.Media;

public sealed class ImageLoaderTests : IDisposable
{
    private readonly TemporaryDirectory directory = new();

    [Fact]
    public void A_png_is_loaded_as_rgb()
    {
        var path = directory.File("first.png");
        var pixels = TestFrames.MovingGradient(64, 48, 0);
        PngEncoder.Write(path, 64, 48, pixels);

        var image = ImageLoader.Load(path);

        Assert.Equal((64, 48), (image.Width, image.Height));
        Assert.Equal(pixels, image.Pixels);
    }

    [Fact]
    public void A_jpeg_is_decoded_through_ffmpeg_close_to_its_source()
    {
        var path = directory.File("first.jpg");
        Ffmpeg.Run("-f", "lavfi", "-i", "testsrc=size=64x48", "-frames:v", "1", "-q:v", "2", path);
        var source = Ffmpeg.DecodeToRgb24("-f", "lavfi", "-i", "testsrc=size=64x48");

        var image = ImageLoader.Load(path);

        Assert.Equal((64, 48), (image.Width, image.Height));
        var meanError = source.Zip(image.Pixels, (a, b) => Math.Abs(a - b)).Average();
        Assert.True(meanError < 12, $"mean absolute error {meanError:0.00} per channel against the pattern the JPEG was made from");
    }

    [Fact]
    public void The_format_is_told_by_content_not_by_the_file_name()
    {
        var path = directory.File("-actually a png %03d.jpg");
        PngEncoder.Write(path, 4, 2, TestFrames.Random(4, 2, seed: 1));
        var jpeg = directory.File("-a jpeg %03d.png");
        Ffmpeg.Run("-f", "lavfi", "-i", "testsrc=size=32x16", "-frames:v", "1", "-f", "mjpeg", jpeg);

        Assert.Equal(TestFrames.Random(4, 2, seed: 1), ImageLoader.Load(path).Pixels);
        Assert.Equal((32, 16), (ImageLoader.Load(jpeg).Width, ImageLoader.Load(jpeg).Height));
    }

    [Fact]
    public void A_damaged_jpeg_is_an_error_naming_the_file()
    {
        var path = directory.File("broken.jpg");
        File.WriteAllBytes(path, [0xFF, 0xD8, 0xFF, 0xE0, .. "not really a jpeg"u8]);

        var error = Assert.Throws<ImageFormatException>(() => ImageLoader.Load(path));

        Assert.Equal(path, error.FilePath);
        Assert.Contains("corrupt", error.Message);
    }

    [Fact]
    public void A_text_file_is_an_error_naming_the_file_and_the_formats_accepted()
    {
        var path = directory.File("notes.png");
        File.WriteAllText(path, "a cat on a skateboard");

        var error = Assert.Throws<ImageFormatException>(() => ImageLoader.Load(path));

        Assert.StartsWith($"{path}: not a PNG or JPEG image (it starts with bytes 6120636174206F6E)", error.Message);
    }

    [Fact]
    public void An_empty_file_is_an_error_saying_so()
    {
        var path = directory.File("empty.jpg");
        File.WriteAllBytes(path, []);

        var error = Assert.Throws<ImageFormatException>(() => ImageLoader.Load(path));

        Assert.Contains("it is empty", error.Message);
    }

    [Fact]
    public void A_missing_file_is_named()
    {
        var path = directory.File("nowhere.png");

        var error = Assert.Throws<FileNotFoundException>(() => ImageLoader.Load(path));

        Assert.Equal(path, error.FileName);
        Assert.Contains(path, error.Message);
    }

    public void Dispose() => directory.Dispose();
}
