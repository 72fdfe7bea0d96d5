using System.Buffers.Binary;

namespace TurboDiffusion.Engine.Media;

/// <summary>The IHDR chunk, validated: what the decoder supports is 8-bit and below, non-interlaced.</summary>
internal sealed record PngHeader(int Width, int Height, int BitDepth, PngColorType ColorType)
{
    public const int Length = 13;

    public int Channels => ColorType switch
    {
        PngColorType.Rgb => 3,
        PngColorType.GrayAlpha => 2,
        PngColorType.Rgba => 4,
        _ => 1,
    };

    /// <summary>Bytes of one scanline, without its filter byte.</summary>
    public long RowBytes => (((long)Width * Channels * BitDepth) + 7) / 8;

    /// <summary>How far back the filters look: one whole pixel, or one byte when pixels are smaller.</summary>
    public int FilterStride => Math.Max(1, Channels * BitDepth / 8);

    public static PngHeader Parse(ReadOnlySpan<byte> ihdr, string file)
    {
        if (ihdr.Length != Length)
        {
            throw new ImageFormatException(file, $"the IHDR chunk is {ihdr.Length} bytes instead of {Length}: the file is corrupt.");
        }

        var width = BinaryPrimitives.ReadUInt32BigEndian(ihdr);
        var height = BinaryPrimitives.ReadUInt32BigEndian(ihdr[4..]);
        var (bitDepth, colorType, compression, filter, interlace) = (ihdr[8], (PngColorType)ihdr[9], ihdr[10], ihdr[11], ihdr[12]);
        if (width is 0 or > int.MaxValue || height is 0 or > int.MaxValue)
        {
            throw new ImageFormatException(file, $"the header gives an impossible size {width}x{height}: the file is corrupt.");
        }

        if (!IsValid(colorType, bitDepth) || compression != 0 || filter != 0 || interlace > 1)
        {
            throw new ImageFormatException(file, $"the header is invalid (colour type {(byte)colorType}, bit depth {bitDepth}, compression {compression}, filter {filter}, interlace {interlace}): the file is corrupt.");
        }

        if (bitDepth == 16)
        {
            throw new NotSupportedException($"{file}: bit depth 16 is not supported; save the image as an 8-bit PNG or as JPEG.");
        }

        if (interlace == 1)
        {
            throw new NotSupportedException($"{file}: interlaced (Adam7) PNG is not supported; save the image without interlacing or as JPEG.");
        }

        if ((long)width * height * 3 > Array.MaxLength)
        {
            throw new NotSupportedException($"{file}: an image of {width}x{height} is too large to load.");
        }

        return new PngHeader((int)width, (int)height, bitDepth, colorType);
    }

    private static bool IsValid(PngColorType colorType, byte bitDepth) => colorType switch
    {
        PngColorType.Gray => bitDepth is 1 or 2 or 4 or 8 or 16,
        PngColorType.Palette => bitDepth is 1 or 2 or 4 or 8,
        PngColorType.Rgb or PngColorType.GrayAlpha or PngColorType.Rgba => bitDepth is 8 or 16,
        _ => false,
    };
}
