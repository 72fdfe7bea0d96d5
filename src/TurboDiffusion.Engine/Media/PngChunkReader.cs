using System.Buffers.Binary;
using System.Text;

namespace TurboDiffusion.Engine.Media;

/// <summary>
/// Walks the chunks after the PNG signature: 4-byte big-endian length, 4-letter type, data, CRC-32
/// of type and data. Every chunk's CRC is checked, so damage anywhere is reported, not decoded.
/// </summary>
internal ref struct PngChunkReader
{
    private readonly string file;
    private ReadOnlySpan<byte> rest;

    public PngChunkReader(ReadOnlySpan<byte> chunks, string file)
    {
        rest = chunks;
        this.file = file;
    }

    /// <returns>False at the end of the bytes (a well-formed file stops at IEND before this).</returns>
    public bool Next(out string type, out ReadOnlySpan<byte> data)
    {
        type = "";
        data = default;
        if (rest.IsEmpty)
        {
            return false;
        }

        if (rest.Length < 12)
        {
            throw new ImageFormatException(file, "the file is truncated inside a chunk header.");
        }

        var length = BinaryPrimitives.ReadUInt32BigEndian(rest);
        var typeBytes = rest.Slice(4, 4);
        if (typeBytes.ContainsAnyExcept(PngFormat.ChunkTypeLetters))
        {
            throw new ImageFormatException(file, "a chunk type is not four ASCII letters: the file is corrupt.");
        }

        type = Encoding.ASCII.GetString(typeBytes);
        if (length > (uint)(rest.Length - 12))
        {
            throw new ImageFormatException(file, $"the file is truncated: chunk {type} declares {length} bytes but {rest.Length - 12} remain.");
        }

        data = rest.Slice(8, (int)length);
        if (Crc32.Compute(typeBytes, data) != BinaryPrimitives.ReadUInt32BigEndian(rest[(8 + (int)length)..]))
        {
            throw new ImageFormatException(file, $"chunk {type} fails its CRC check: the file is corrupt.");
        }

        rest = rest[(12 + (int)length)..];
        return true;
    }
}
