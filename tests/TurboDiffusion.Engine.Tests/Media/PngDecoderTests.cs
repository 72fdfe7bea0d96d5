using TurboDiffusion.Engine.Media;

namespace TurboDiffusion.Engine.Tests.Media;

public sealed class PngDecoderTests : IDisposable
{
    private readonly TemporaryDirectory directory = new();

    [Theory]
    [InlineData("rgb24", 2, "mixed")]
    [InlineData("rgb24", 2, "avg")]
    [InlineData("rgb24", 2, "paeth")]
    [InlineData("rgba", 6, "paeth")]
    [InlineData("gray", 0, "mixed")]
    [InlineData("ya8", 4, "avg")]
    [InlineData("pal8", 3, "mixed")]
    [InlineData("monob", 0, "paeth")]
    public void A_png_written_by_ffmpeg_decodes_to_the_pixels_ffmpeg_reads(string pixelFormat, byte colorType, string rowFilter)
    {
        var path = directory.File($"pattern-{pixelFormat}-{rowFilter}.png");
        Ffmpeg.Run("-f", "lavfi", "-i", "testsrc=size=64x48", "-frames:v", "1", "-pix_fmt", pixelFormat, "-pred", rowFilter, path);

        var image = PngDecoder.Read(path);

        Assert.Equal(colorType, File.ReadAllBytes(path)[25]);
        Assert.Equal((64, 48), (image.Width, image.Height));
        Assert.Equal(Ffmpeg.DecodeToRgb24("-i", path), image.Pixels);
    }

    [Fact]
    public void Alpha_is_dropped_not_blended()
    {
        var path = directory.File("translucent.png");
        Ffmpeg.Run("-f", "lavfi", "-i", "color=c=0x3366CC@0.3:size=4x2,format=rgba", "-frames:v", "1", path);

        var image = PngDecoder.Read(path);

        Assert.All(image.Pixels.Chunk(3), pixel => Assert.Equal([0x33, 0x66, 0xCC], pixel));
    }

    [Fact]
    public void A_four_bit_palette_image_unpacks_high_nibble_first()
    {
        byte[] palette = [.. Enumerable.Range(0, 16).SelectMany(i => new[] { (byte)(i * 16), (byte)(255 - (i * 16)), (byte)i })];
        byte[] scanlines = [0, 0x0F, 0x30, 0, 0xA5, 0x10];

        var image = PngDecoder.Decode(PngBuilder.Build(3, 2, bitDepth: 4, colorType: 3, scanlines, palette), "palette.png");

        byte[][] expectedIndices = [[0, 15, 3], [10, 5, 1]];
        Assert.Equal(expectedIndices.SelectMany(row => row).SelectMany(i => palette.AsSpan(i * 3, 3).ToArray()), image.Pixels);
    }

    [Fact]
    public void Two_bit_gray_is_scaled_to_the_full_byte_range()
    {
        byte[] scanlines = [0, 0b00_01_10_11];

        var image = PngDecoder.Decode(PngBuilder.Build(4, 1, bitDepth: 2, colorType: 0, scanlines), "gray2.png");

        Assert.Equal(new byte[] { 0, 85, 170, 255 }.SelectMany(g => new[] { g, g, g }), image.Pixels);
    }

    [Fact]
    public void Every_row_filter_is_reversed()
    {
        byte[] row = [10, 20, 30, 40, 50, 60];
        byte[] scanlines = [.. Enumerable.Range(0, 5).SelectMany(filter => new[] { (byte)filter }.Concat(row))];

        var image = PngDecoder.Decode(PngBuilder.Build(2, 5, bitDepth: 8, colorType: 2, scanlines), "filters.png");

        byte[][] expected =
        [
            [10, 20, 30, 40, 50, 60],
            [10, 20, 30, 50, 70, 90],
            [20, 40, 60, 90, 120, 150],
            [20, 40, 60, 95, 130, 165],
            [30, 60, 90, 135, 180, 225],
        ];
        Assert.Equal(expected.SelectMany(r => r), image.Pixels);
    }

    [Fact]
    public void A_sixteen_bit_png_is_not_supported_and_the_error_names_the_bit_depth()
    {
        var path = directory.File("deep.png");
        Ffmpeg.Run("-f", "lavfi", "-i", "testsrc=size=64x48", "-frames:v", "1", "-pix_fmt", "rgb48be", path);

        var error = Assert.Throws<NotSupportedException>(() => PngDecoder.Read(path));

        Assert.Contains(path, error.Message);
        Assert.Contains("bit depth 16", error.Message);
    }

    [Fact]
    public void An_interlaced_png_is_not_supported_and_the_error_names_the_interlacing()
    {
        var path = directory.File("interlaced.png");
        Ffmpeg.Run("-f", "lavfi", "-i", "testsrc=size=64x48", "-frames:v", "1", "-flags", "+ildct", path);

        var error = Assert.Throws<NotSupportedException>(() => PngDecoder.Read(path));

        Assert.Contains(path, error.Message);
        Assert.Contains("interlaced (Adam7)", error.Message);
    }

    [Fact]
    public void A_damaged_chunk_fails_its_crc_and_the_error_names_file_and_chunk()
    {
        var png = PngEncoder.Encode(64, 48, TestFrames.MovingGradient(64, 48, 0));
        png[PngBuilder.DataOffset(png, "IDAT") + 10] ^= 0x40;

        var error = Assert.Throws<ImageFormatException>(() => PngDecoder.Decode(png, "damaged.png"));

        Assert.Equal("damaged.png", error.FilePath);
        Assert.StartsWith("damaged.png: ", error.Message);
        Assert.Contains("chunk IDAT fails its CRC check", error.Message);
    }

    [Fact]
    public void A_truncated_file_says_it_is_truncated()
    {
        var png = PngEncoder.Encode(64, 48, TestFrames.MovingGradient(64, 48, 0));

        var midChunk = Assert.Throws<ImageFormatException>(() => PngDecoder.Decode(png.AsSpan(0, png.Length / 2), "cut.png"));
        var noEnd = Assert.Throws<ImageFormatException>(() => PngDecoder.Decode(png.AsSpan(0, png.Length - 12), "cut.png"));

        Assert.Contains("truncated: chunk IDAT declares", midChunk.Message);
        Assert.Contains("ends before its IEND chunk", noEnd.Message);
    }

    [Fact]
    public void Image_data_that_is_not_zlib_is_reported_as_corrupt()
    {
        byte[] png = [.. PngBuilder.Signature, .. PngBuilder.Chunk("IHDR", [0, 0, 0, 2, 0, 0, 0, 2, 8, 2, 0, 0, 0]), .. PngBuilder.Chunk("IDAT", [1, 2, 3, 4, 5, 6]), .. PngBuilder.Chunk("IEND", [])];

        var error = Assert.Throws<ImageFormatException>(() => PngDecoder.Decode(png, "garbled.png"));

        Assert.Contains("garbled.png", error.Message);
        Assert.Contains("image data", error.Message);
    }

    [Fact]
    public void Image_data_shorter_than_the_header_promises_is_reported()
    {
        var error = Assert.Throws<ImageFormatException>(() => PngDecoder.Decode(PngBuilder.Build(2, 2, 8, 2, [0, 1, 2, 3, 4, 5, 6]), "short.png"));

        Assert.Contains("ends after 7 of 14 bytes", error.Message);
    }

    [Fact]
    public void A_palette_index_beyond_the_palette_is_reported()
    {
        var error = Assert.Throws<ImageFormatException>(() => PngDecoder.Decode(PngBuilder.Build(2, 1, 8, 3, [0, 0, 2], palette: [1, 2, 3, 4, 5, 6]), "palette.png"));

        Assert.Contains("palette entry 2 of a 2-entry palette", error.Message);
    }

    [Fact]
    public void A_file_that_is_not_a_png_is_named_in_the_error()
    {
        var error = Assert.Throws<ImageFormatException>(() => PngDecoder.Decode("GIF89a and so on"u8, "picture.gif"));

        Assert.Equal("picture.gif: not a PNG: it does not start with the PNG signature.", error.Message);
    }

    public void Dispose() => directory.Dispose();
}
