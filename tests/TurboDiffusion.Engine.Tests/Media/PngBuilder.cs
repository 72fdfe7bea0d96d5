using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using TurboDiffusion.Engine.Media;

namespace TurboDiffusion.Engine.Tests.Media;

/// <summary>Hand-built PNGs for what neither our encoder nor ffmpeg writes: sub-byte depths, broken files.</summary>
internal static class PngBuilder
{
    public static readonly byte[] Signature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <param name="scanlines">Each row with its leading filter byte.</param>
    public static byte[] Build(int width, int height, byte bitDepth, byte colorType, byte[] scanlines, byte[]? palette = null, byte interlace = 0)
    {
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        (header[8], header[9], header[12]) = (bitDepth, colorType, interlace);
        return [
            .. Signature,
            .. Chunk("IHDR", header),
            .. palette is null ? [] : Chunk("PLTE", palette),
            .. Chunk("IDAT", Zlib(scanlines)),
            .. Chunk("IEND", []),
        ];
    }

    public static byte[] Chunk(string type, byte[] data)
    {
        var typeBytes = Encoding.ASCII.GetBytes(type);
        var chunk = new byte[12 + data.Length];
        BinaryPrimitives.WriteInt32BigEndian(chunk, data.Length);
        typeBytes.CopyTo(chunk, 4);
        data.CopyTo(chunk, 8);
        BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(8 + data.Length), Crc32.Compute(typeBytes, data));
        return chunk;
    }

    public static byte[] Zlib(byte[] data)
    {
        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            zlib.Write(data);
        }

        return compressed.ToArray();
    }

    /// <summary>Where the data of the first chunk of <paramref name="type"/> starts.</summary>
    public static int DataOffset(byte[] png, string type) => png.AsSpan().IndexOf(Encoding.ASCII.GetBytes(type)) + 4;
}
