using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;

namespace TurboDiffusion.Engine.Checkpoints.Pth;

internal enum ZipMethod
{
    Stored = 0,
    Deflated = 8,
}

/// <summary>One member of a zip archive as the central directory describes it.</summary>
internal sealed record ZipMember(string Name, ZipMethod Method, long CompressedSize, long Size, long LocalHeaderOffset);

/// <summary>
/// The central directory of a zip archive (PKWARE APPNOTE, including ZIP64 for files over 4 GiB).
/// <see cref="System.IO.Compression.ZipArchive"/> does not tell where a member's bytes start, and a
/// checkpoint's tensors must be read in place by offset, so the directory is read here.
/// </summary>
internal sealed class ZipCatalog
{
    private const uint EndSignature = 0x06054b50;
    private const uint Zip64LocatorSignature = 0x07064b50;
    private const uint Zip64EndSignature = 0x06064b50;
    private const uint LocalSignature = 0x04034b50;
    private const int EndBytes = 22;
    private const int MaxCommentBytes = ushort.MaxValue;
    private const long MaxDeflateRatio = 1032;

    private readonly string path;
    private readonly SafeFileHandle file;

    private ZipCatalog(string path, SafeFileHandle file, Dictionary<string, ZipMember> members)
    {
        this.path = path;
        this.file = file;
        Members = members;
    }

    public IReadOnlyDictionary<string, ZipMember> Members { get; }

    public static ZipCatalog Read(string path, SafeFileHandle file)
    {
        var length = RandomAccess.GetLength(file);
        var (directoryOffset, directoryBytes, count) = LocateDirectory(path, file, length);
        var directory = new byte[directoryBytes];
        RandomAccess.Read(file, directory, directoryOffset);
        var members = new Dictionary<string, ZipMember>(StringComparer.Ordinal);
        var reader = new ZipCentralDirectoryReader(path, directory);
        for (long i = 0; i < count; i++)
        {
            var member = reader.Next();
            if (member.LocalHeaderOffset < 0 || member.CompressedSize < 0 || member.Size < 0 || member.LocalHeaderOffset + member.CompressedSize > directoryOffset)
            {
                throw new CheckpointException(path, member.Name, $"member claims {member.CompressedSize} bytes from offset {member.LocalHeaderOffset} but the data area is 0..{directoryOffset} (corrupt archive)");
            }

            RequireSizeTheDataCanHold(path, member);
            members[member.Name] = member;
        }

        return new ZipCatalog(path, file, members);
    }

    /// <summary>
    /// A member's size is what a reader allocates for it, so it must be one its bytes in the file can produce: a
    /// stored member holds exactly its size, and deflate expands at most 1032 to 1 (zlib's documented bound).
    /// </summary>
    private static void RequireSizeTheDataCanHold(string path, ZipMember member)
    {
        if (member.Method == ZipMethod.Stored && member.Size != member.CompressedSize)
        {
            throw new CheckpointException(path, member.Name, $"stored member declares {member.Size} bytes but holds {member.CompressedSize} in the file (corrupt or hostile archive)");
        }

        if (member.Method == ZipMethod.Deflated && member.Size / MaxDeflateRatio > member.CompressedSize)
        {
            throw new CheckpointException(path, member.Name,
                $"deflated member declares {member.Size} bytes from {member.CompressedSize} compressed, more than deflate's {MaxDeflateRatio}:1 can expand (corrupt or hostile archive)");
        }
    }

    /// <summary>Absolute file offset of the member's (possibly compressed) bytes, after its local header.</summary>
    public long DataOffset(ZipMember member)
    {
        Span<byte> local = stackalloc byte[30];
        if (RandomAccess.Read(file, local, member.LocalHeaderOffset) != local.Length || BinaryPrimitives.ReadUInt32LittleEndian(local) != LocalSignature)
        {
            throw new CheckpointException(path, member.Name, $"no local file header at offset {member.LocalHeaderOffset} (corrupt or truncated archive)");
        }

        var nameBytes = BinaryPrimitives.ReadUInt16LittleEndian(local[26..]);
        var extraBytes = BinaryPrimitives.ReadUInt16LittleEndian(local[28..]);
        var start = member.LocalHeaderOffset + local.Length + nameBytes + extraBytes;
        var fileLength = RandomAccess.GetLength(file);
        if (start + member.CompressedSize > fileLength)
        {
            throw new CheckpointException(path, member.Name, $"needs bytes {start}..{start + member.CompressedSize} but the file ends at {fileLength} (truncated)");
        }

        return start;
    }

    private static (long Offset, long Bytes, long Count) LocateDirectory(string path, SafeFileHandle file, long length)
    {
        var tail = new byte[(int)Math.Min(length, EndBytes + MaxCommentBytes)];
        RandomAccess.Read(file, tail, length - tail.Length);
        var end = FindEndRecord(tail);
        if (end < 0)
        {
            throw new CheckpointException(path, null, $"not a zip archive: no end-of-central-directory record in its last {tail.Length} bytes (a torch.save checkpoint is a zip file; this one is truncated or in another format)");
        }

        var record = tail.AsSpan(end);
        long count = BinaryPrimitives.ReadUInt16LittleEndian(record[10..]);
        long bytes = BinaryPrimitives.ReadUInt32LittleEndian(record[12..]);
        long offset = BinaryPrimitives.ReadUInt32LittleEndian(record[16..]);
        var endPosition = length - tail.Length + end;
        if (end >= 20 && BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(end - 20)) == Zip64LocatorSignature)
        {
            (offset, bytes, count) = ReadZip64End(path, file, BinaryPrimitives.ReadInt64LittleEndian(tail.AsSpan(end - 12)), endPosition);
        }

        if (offset < 0 || bytes < 0 || offset + bytes > endPosition || bytes > int.MaxValue)
        {
            throw new CheckpointException(path, null, $"central directory claims bytes {offset}..{offset + bytes} but its end record is at {endPosition} (truncated or corrupt archive)");
        }

        return (offset, bytes, count);
    }

    private static (long Offset, long Bytes, long Count) ReadZip64End(string path, SafeFileHandle file, long position, long endPosition)
    {
        Span<byte> record = stackalloc byte[56];
        if (position < 0 || position + record.Length > endPosition
            || RandomAccess.Read(file, record, position) != record.Length
            || BinaryPrimitives.ReadUInt32LittleEndian(record) != Zip64EndSignature)
        {
            throw new CheckpointException(path, null, $"ZIP64 end record expected at offset {position} is missing (truncated or corrupt archive)");
        }

        return (BinaryPrimitives.ReadInt64LittleEndian(record[48..]), BinaryPrimitives.ReadInt64LittleEndian(record[40..]), BinaryPrimitives.ReadInt64LittleEndian(record[32..]));
    }

    private static int FindEndRecord(byte[] tail)
    {
        for (var i = tail.Length - EndBytes; i >= 0; i--)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(i)) == EndSignature
                && i + EndBytes + BinaryPrimitives.ReadUInt16LittleEndian(tail.AsSpan(i + 20)) <= tail.Length)
            {
                return i;
            }
        }

        return -1;
    }
}
