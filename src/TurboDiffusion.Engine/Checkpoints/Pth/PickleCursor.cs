using System.Buffers.Binary;
using System.Text;

namespace TurboDiffusion.Engine.Checkpoints.Pth;

/// <summary>Reads a pickle's operands; running past the end is a truncated pickle, never an index error.</summary>
internal sealed class PickleCursor(string path, byte[] data)
{
    public int Position { get; private set; }

    public byte Byte() => Take(1)[0];

    public ushort UInt16() => BinaryPrimitives.ReadUInt16LittleEndian(Take(2));

    public int Int32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

    public uint UInt32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));

    /// <summary>LONG1's little-endian two's-complement integer of <paramref name="length"/> bytes.</summary>
    public long SignedInteger(int length)
    {
        if (length > 8)
        {
            throw Malformed($"an integer of {length} bytes; at most 8 (int64) is supported");
        }

        var bytes = Take(length);
        long value = 0;
        for (var i = length - 1; i >= 0; i--)
        {
            value = (value << 8) | bytes[i];
        }

        return length is > 0 and < 8 && (bytes[length - 1] & 0x80) != 0 ? value - (1L << (8 * length)) : value;
    }

    public string Utf8(uint length) =>
        length <= int.MaxValue ? Encoding.UTF8.GetString(Take((int)length)) : throw Malformed($"a string of {length} bytes");

    /// <summary>GLOBAL's operands: text up to a newline.</summary>
    public string Line()
    {
        var end = Array.IndexOf(data, (byte)'\n', Position);
        if (end < 0)
        {
            throw Malformed("a GLOBAL operand without its closing newline (truncated pickle)");
        }

        var text = Encoding.UTF8.GetString(data, Position, end - Position);
        Position = end + 1;
        return text;
    }

    public CheckpointException Malformed(string found) =>
        new(path, null, $"malformed data.pkl at byte {Position}: {found}");

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count < 0 || Position + count > data.Length)
        {
            throw new CheckpointException(path, null, $"data.pkl ends at byte {data.Length} but an operand needs {count} bytes from byte {Position} (truncated pickle)");
        }

        var span = data.AsSpan(Position, count);
        Position += count;
        return span;
    }
}
