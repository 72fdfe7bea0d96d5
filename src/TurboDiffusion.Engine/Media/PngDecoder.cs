using System.IO.Compression;

namespace TurboDiffusion.Engine.Media;

/// <summary>
/// Reads PNG images as RGB: 8-bit RGB, RGBA, gray and gray+alpha, and palette or gray at 1, 2, 4 or
/// 8 bits. Alpha is dropped, as the reference's PIL <c>convert("RGB")</c> drops it from first frames.
/// 16-bit and interlaced images are refused with a <see cref="NotSupportedException"/> naming the property.
/// </summary>
public static class PngDecoder
{
    /// <exception cref="ImageFormatException">Not a PNG, or damaged; the message names the file.</exception>
    /// <exception cref="NotSupportedException">A 16-bit or interlaced PNG.</exception>
    public static RgbImage Read(string path) => Decode(File.ReadAllBytes(path), path);

    /// <param name="file">Names the image in error messages.</param>
    /// <inheritdoc cref="Read"/>
    public static RgbImage Decode(ReadOnlySpan<byte> png, string file)
    {
        if (!png.StartsWith(PngFormat.Signature))
        {
            throw new ImageFormatException(file, "not a PNG: it does not start with the PNG signature.");
        }

        var chunks = new PngChunkReader(png[PngFormat.Signature.Length..], file);
        PngHeader? header = null;
        byte[]? palette = null;
        using var compressed = new MemoryStream();
        while (chunks.Next(out var type, out var data))
        {
            if (header is null ? type != "IHDR" : type == "IHDR")
            {
                throw new ImageFormatException(file, $"found chunk {type} where {(header is null ? "IHDR must come first" : "IHDR was already read")}: the file is corrupt.");
            }

            switch (type)
            {
                case "IHDR":
                    header = PngHeader.Parse(data, file);
                    break;
                case "PLTE":
                    palette = data.ToArray();
                    break;
                case "IDAT":
                    compressed.Write(data);
                    break;
                case "IEND":
                    return PngPixels.ToRgb(header!, palette, Inflate(compressed, header!, file), file);
                case var unknown when PngFormat.IsCritical(unknown):
                    throw new ImageFormatException(file, $"it has a critical chunk {unknown} that this decoder does not know.");
            }
        }

        throw new ImageFormatException(file, "the file is truncated: it ends before its IEND chunk.");
    }

    /// <summary>The concatenated IDAT data inflated to exactly one filter byte plus one scanline per row.</summary>
    private static byte[] Inflate(MemoryStream compressed, PngHeader header, string file)
    {
        var expected = header.Height * (header.RowBytes + 1);
        if (expected > Array.MaxLength)
        {
            throw new NotSupportedException($"{file}: an image of {header.Width}x{header.Height} is too large to load.");
        }

        var raw = new byte[expected];
        compressed.Position = 0;
        using var zlib = new ZLibStream(compressed, CompressionMode.Decompress);
        int read;
        try
        {
            read = zlib.ReadAtLeast(raw, raw.Length, throwOnEndOfStream: false);
        }
        catch (InvalidDataException e)
        {
            throw new ImageFormatException(file, $"its image data is not valid zlib ({e.Message}): the file is corrupt.", e);
        }

        return read == raw.Length
            ? raw
            : throw new ImageFormatException(file, $"its image data ends after {read} of {raw.Length} bytes: the file is truncated or corrupt.");
    }
}
