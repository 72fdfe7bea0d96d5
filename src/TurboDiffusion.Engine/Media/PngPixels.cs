namespace TurboDiffusion.Engine.Media;

/// <summary>Unfilters decoded scanlines and expands each pixel to RGB.</summary>
internal static class PngPixels
{
    public static RgbImage ToRgb(PngHeader header, byte[]? palette, byte[] raw, string file)
    {
        if (header.ColorType == PngColorType.Palette && (palette is null || palette.Length % 3 != 0 || palette.Length > 256 * 3))
        {
            throw new ImageFormatException(file, "a palette image has no valid PLTE chunk: the file is corrupt.");
        }

        var rowBytes = (int)header.RowBytes;
        var rgb = new byte[header.Width * header.Height * 3];
        var zeros = new byte[rowBytes];
        for (var y = 0; y < header.Height; y++)
        {
            var start = y * (rowBytes + 1);
            if (raw[start] > (byte)PngFilter.Paeth)
            {
                throw new ImageFormatException(file, $"row {y} has filter type {raw[start]}, which PNG does not define: the file is corrupt.");
            }

            var row = raw.AsSpan(start + 1, rowBytes);
            var previous = y == 0 ? zeros : raw.AsSpan(start - rowBytes, rowBytes);
            PngFilters.Unfilter((PngFilter)raw[start], row, previous, header.FilterStride);
            ExpandRow(header, palette, row, rgb.AsSpan(y * header.Width * 3, header.Width * 3), file);
        }

        return new RgbImage(header.Width, header.Height, rgb);
    }

    private static void ExpandRow(PngHeader header, ReadOnlySpan<byte> palette, ReadOnlySpan<byte> row, Span<byte> rgb, string file)
    {
        var (channels, bits) = (header.Channels, header.BitDepth);
        for (var x = 0; x < header.Width; x++)
        {
            var pixel = rgb.Slice(x * 3, 3);
            switch (header.ColorType)
            {
                case PngColorType.Rgb or PngColorType.Rgba:
                    row.Slice(x * channels, 3).CopyTo(pixel);
                    break;
                case PngColorType.Palette:
                    var index = Sample(row, x, bits);
                    if ((index * 3) + 3 > palette.Length)
                    {
                        throw new ImageFormatException(file, $"pixel {x} uses palette entry {index} of a {palette.Length / 3}-entry palette: the file is corrupt.");
                    }

                    palette.Slice(index * 3, 3).CopyTo(pixel);
                    break;
                default:
                    // Gray below 8 bits is scaled to 0..255 so that, e.g., 1-bit white is 255.
                    var gray = bits == 8 ? row[x * channels] : Sample(row, x, bits) * 255 / ((1 << bits) - 1);
                    pixel.Fill((byte)gray);
                    break;
            }
        }
    }

    /// <summary>The <paramref name="x"/>-th sample of a single-channel row packed <paramref name="bits"/> to a sample, most significant bits first.</summary>
    private static int Sample(ReadOnlySpan<byte> row, int x, int bits)
    {
        var bit = x * bits;
        return (row[bit >> 3] >> (8 - bits - (bit & 7))) & ((1 << bits) - 1);
    }
}
