using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace TurboDiffusion.Engine.Media;

/// <summary>Writes 8-bit RGB PNGs, non-interlaced, each row with the filter that compresses it best.</summary>
public static class PngEncoder
{
    /// <param name="rgb"><c>[H, W, 3]</c> bytes.</param>
    /// <exception cref="ArgumentException">The pixels are not <c>width * height * 3</c> bytes.</exception>
    public static byte[] Encode(int width, int height, ReadOnlySpan<byte> rgb)
    {
        if (width <= 0 || height <= 0)
        {
            throw new ArgumentException($"A PNG needs a positive width and height; got {width}x{height}.");
        }

        if (rgb.Length != (long)width * height * 3)
        {
            throw new ArgumentException($"An RGB image of {width}x{height} is {(long)width * height * 3} bytes (H x W x 3); found {rgb.Length} bytes.", nameof(rgb));
        }

        using var png = new MemoryStream();
        png.Write(PngFormat.Signature);
        WriteChunk(png, "IHDR", Header(width, height));
        WriteChunk(png, "IDAT", Deflate(width, height, rgb));
        WriteChunk(png, "IEND", []);
        return png.ToArray();
    }

    public static byte[] Encode(RgbImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        return Encode(image.Width, image.Height, image.Pixels);
    }

    /// <summary>Encodes to <paramref name="path"/>, which appears whole or not at all.</summary>
    /// <inheritdoc cref="Encode(int, int, ReadOnlySpan{byte})"/>
    public static void Write(string path, int width, int height, ReadOnlySpan<byte> rgb) => AtomicFile.Write(path, Encode(width, height, rgb));

    private static byte[] Header(int width, int height)
    {
        var header = new byte[PngHeader.Length];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8;
        header[9] = (byte)PngColorType.Rgb;
        return header;
    }

    private static byte[] Deflate(int width, int height, ReadOnlySpan<byte> rgb)
    {
        var rowBytes = width * 3;
        var previous = new byte[rowBytes];
        var filtered = new byte[rowBytes];
        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            for (var y = 0; y < height; y++)
            {
                var row = rgb.Slice(y * rowBytes, rowBytes);
                var filter = PngFilters.Choose(row, previous, stride: 3, filtered);
                PngFilters.Apply(filter, row, previous, stride: 3, filtered);
                zlib.WriteByte((byte)filter);
                zlib.Write(filtered);
                row.CopyTo(previous);
            }
        }

        return compressed.ToArray();
    }

    private static void WriteChunk(Stream png, string type, ReadOnlySpan<byte> data)
    {
        Span<byte> length = stackalloc byte[4];
        Span<byte> typeBytes = stackalloc byte[4];
        Span<byte> crc = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        Encoding.ASCII.GetBytes(type, typeBytes);
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32.Compute(typeBytes, data));
        png.Write(length);
        png.Write(typeBytes);
        png.Write(data);
        png.Write(crc);
    }
}
