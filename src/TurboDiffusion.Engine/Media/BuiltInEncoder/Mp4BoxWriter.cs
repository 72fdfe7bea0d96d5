using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace TurboDiffusion.Engine.Media.BuiltInEncoder;

/// <summary>ISO/IEC 14496-12 boxes in memory: big-endian fields, each box's size filled in once its content is written.</summary>
internal sealed class Mp4BoxWriter
{
    private readonly List<byte> bytes = [];

    public Mp4BoxWriter Box(string type, Action<Mp4BoxWriter> content)
    {
        var start = bytes.Count;
        UInt32(0);
        FourCc(type);
        content(this);
        BinaryPrimitives.WriteUInt32BigEndian(CollectionsMarshal.AsSpan(bytes)[start..], (uint)(bytes.Count - start));
        return this;
    }

    /// <summary>A box that starts with a version byte and 24 bits of flags.</summary>
    public Mp4BoxWriter FullBox(string type, byte version, uint flags, Action<Mp4BoxWriter> content) =>
        Box(type, box =>
        {
            box.UInt32(((uint)version << 24) | flags);
            content(box);
        });

    public Mp4BoxWriter UInt8(byte value)
    {
        bytes.Add(value);
        return this;
    }

    public Mp4BoxWriter UInt16(ushort value)
    {
        Span<byte> field = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(field, value);
        return Bytes(field);
    }

    public Mp4BoxWriter UInt32(uint value)
    {
        Span<byte> field = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(field, value);
        return Bytes(field);
    }

    public Mp4BoxWriter UInt64(ulong value)
    {
        Span<byte> field = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(field, value);
        return Bytes(field);
    }

    public Mp4BoxWriter Bytes(ReadOnlySpan<byte> value)
    {
        bytes.AddRange(value);
        return this;
    }

    public Mp4BoxWriter Zeros(int count)
    {
        bytes.AddRange(new byte[count]);
        return this;
    }

    public Mp4BoxWriter FourCc(string code)
    {
        if (code.Length != 4 || !Ascii.IsValid(code))
        {
            throw new ArgumentException($"A four-character code needs four ASCII characters; got '{code}'.", nameof(code));
        }

        return Bytes(Encoding.ASCII.GetBytes(code));
    }

    public byte[] ToArray() => [.. bytes];
}
