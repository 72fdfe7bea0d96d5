using System.Buffers.Binary;
using System.Text;

namespace TurboDiffusion.Engine.Checkpoints.Pth;

/// <summary>Walks the central directory's file headers, widening sizes from the ZIP64 extra field.</summary>
internal sealed class ZipCentralDirectoryReader(string path, byte[] directory)
{
    private const uint CentralSignature = 0x02014b50;
    private const int HeaderBytes = 46;
    private const ushort Zip64ExtraId = 0x0001;
    private const ushort EncryptedFlag = 1;
    private int position;

    public ZipMember Next()
    {
        if (position + HeaderBytes > directory.Length || BinaryPrimitives.ReadUInt32LittleEndian(directory.AsSpan(position)) != CentralSignature)
        {
            throw new CheckpointException(path, null, $"central directory entry expected at directory offset {position} is missing (corrupt archive)");
        }

        var header = directory.AsSpan(position, HeaderBytes);
        var flags = BinaryPrimitives.ReadUInt16LittleEndian(header[8..]);
        var method = BinaryPrimitives.ReadUInt16LittleEndian(header[10..]);
        long compressed = BinaryPrimitives.ReadUInt32LittleEndian(header[20..]);
        long size = BinaryPrimitives.ReadUInt32LittleEndian(header[24..]);
        int nameBytes = BinaryPrimitives.ReadUInt16LittleEndian(header[28..]);
        int extraBytes = BinaryPrimitives.ReadUInt16LittleEndian(header[30..]);
        int commentBytes = BinaryPrimitives.ReadUInt16LittleEndian(header[32..]);
        long local = BinaryPrimitives.ReadUInt32LittleEndian(header[42..]);
        if (position + HeaderBytes + nameBytes + extraBytes + commentBytes > directory.Length)
        {
            throw new CheckpointException(path, null, $"central directory entry at directory offset {position} runs past the directory (corrupt archive)");
        }

        var name = Encoding.UTF8.GetString(directory, position + HeaderBytes, nameBytes);
        var extra = directory.AsSpan(position + HeaderBytes + nameBytes, extraBytes);
        (size, compressed, local) = WidenFromZip64(extra, size, compressed, local);
        position += HeaderBytes + nameBytes + extraBytes + commentBytes;
        if ((flags & EncryptedFlag) != 0 || method is not ((ushort)ZipMethod.Stored or (ushort)ZipMethod.Deflated))
        {
            throw new CheckpointException(path, name, $"zip member uses {((flags & EncryptedFlag) != 0 ? "encryption" : $"compression method {method}")}; expected stored (0) or deflated (8)");
        }

        return new ZipMember(name, (ZipMethod)method, compressed, size, local);
    }

    /// <summary>A 0xFFFFFFFF field means "see the ZIP64 extra field", which lists only those fields, in this order.</summary>
    private static (long Size, long Compressed, long Local) WidenFromZip64(ReadOnlySpan<byte> extra, long size, long compressed, long local)
    {
        while (extra.Length >= 4)
        {
            var id = BinaryPrimitives.ReadUInt16LittleEndian(extra);
            var length = Math.Min(BinaryPrimitives.ReadUInt16LittleEndian(extra[2..]), extra.Length - 4);
            var field = extra.Slice(4, length);
            if (id == Zip64ExtraId)
            {
                size = Widen(ref field, size);
                compressed = Widen(ref field, compressed);
                local = Widen(ref field, local);
            }

            extra = extra[(4 + length)..];
        }

        return (size, compressed, local);
    }

    private static long Widen(ref ReadOnlySpan<byte> field, long value)
    {
        if (value != uint.MaxValue || field.Length < 8)
        {
            return value;
        }

        var wide = BinaryPrimitives.ReadInt64LittleEndian(field);
        field = field[8..];
        return wide;
    }
}
