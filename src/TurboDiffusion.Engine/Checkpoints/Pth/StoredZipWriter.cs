using System.Buffers.Binary;
using System.Text;
using TurboDiffusion.Engine.Media;

namespace TurboDiffusion.Engine.Checkpoints.Pth;

/// <summary>
/// Writes a zip of stored (uncompressed) members one after another, as PyTorch's archive writer does: each member's
/// data starts on a 64-byte boundary (a padding extra field, id "FB", like torch.save's), sizes are declared up front
/// and the CRC-32 is patched into the local header once the data is written, and ZIP64 records appear where a size,
/// an offset or the member count outgrows the classic fields (any checkpoint over 4 GiB). Member data is written in
/// pieces, so a tensor never has to be in managed memory.
/// </summary>
internal sealed class StoredZipWriter : IDisposable
{
    public const int DataAlignment = 64;

    private const uint LocalSignature = 0x04034b50;
    private const uint CentralSignature = 0x02014b50;
    private const uint EndSignature = 0x06054b50;
    private const uint Zip64EndSignature = 0x06064b50;
    private const uint Zip64LocatorSignature = 0x07064b50;
    private const ushort Zip64ExtraId = 0x0001;
    private const ushort PaddingExtraId = 0x4246; // "FB", PyTorch's alignment padding
    private const ushort Utf8Names = 0x0800;
    private const ushort ClassicVersion = 20;
    private const ushort Zip64Version = 45;
    private const int LocalHeaderBytes = 30;
    private const int CrcOffsetInLocalHeader = 14;
    private const uint Saturated = uint.MaxValue;

    private readonly FileStream file;
    private readonly List<Entry> entries = [];
    private Entry? open;

    public StoredZipWriter(FileStream file)
    {
        this.file = file;
    }

    private sealed class Entry(string name, long size, long localHeaderOffset)
    {
        public string Name { get; } = name;

        public long Size { get; } = size;

        public long LocalHeaderOffset { get; } = localHeaderOffset;

        public long Written { get; set; }

        public uint Crc { get; set; }
    }

    /// <summary>Starts a member of exactly <paramref name="size"/> bytes; <see cref="Write"/> then supplies them.</summary>
    public void Begin(string name, long size)
    {
        if (open is not null)
        {
            throw new InvalidOperationException($"zip member '{open.Name}' has {open.Written} of its {open.Size} bytes; finish it before '{name}'");
        }

        var entry = new Entry(name, size, file.Position);
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var zip64 = size >= Saturated ? Zip64Extra(size, size) : [];
        var unpadded = entry.LocalHeaderOffset + LocalHeaderBytes + nameBytes.Length + zip64.Length + 4;
        var padding = new byte[4 + (int)((DataAlignment - (unpadded % DataAlignment)) % DataAlignment)];
        BinaryPrimitives.WriteUInt16LittleEndian(padding, PaddingExtraId);
        BinaryPrimitives.WriteUInt16LittleEndian(padding.AsSpan(2), (ushort)(padding.Length - 4));

        var header = new byte[LocalHeaderBytes];
        BinaryPrimitives.WriteUInt32LittleEndian(header, LocalSignature);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(4), size >= Saturated ? Zip64Version : ClassicVersion);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(6), Utf8Names);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(18), Classic(size));
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(22), Classic(size));
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(26), (ushort)nameBytes.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(28), (ushort)(zip64.Length + padding.Length));
        file.Write(header);
        file.Write(nameBytes);
        file.Write(zip64);
        file.Write(padding);
        open = entry;
    }

    public void Write(ReadOnlySpan<byte> data)
    {
        var entry = open ?? throw new InvalidOperationException("no zip member is open");
        if (entry.Written + data.Length > entry.Size)
        {
            throw new InvalidOperationException($"zip member '{entry.Name}' was declared as {entry.Size} bytes; {entry.Written + data.Length} were written");
        }

        file.Write(data);
        entry.Crc = Crc32.Append(entry.Crc, data);
        entry.Written += data.Length;
    }

    /// <summary>Ends the open member, which must have received exactly its declared size.</summary>
    public void End()
    {
        var entry = open ?? throw new InvalidOperationException("no zip member is open");
        if (entry.Written != entry.Size)
        {
            throw new InvalidOperationException($"zip member '{entry.Name}' was declared as {entry.Size} bytes; {entry.Written} were written");
        }

        var end = file.Position;
        Span<byte> crc = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(crc, entry.Crc);
        file.Position = entry.LocalHeaderOffset + CrcOffsetInLocalHeader;
        file.Write(crc);
        file.Position = end;
        entries.Add(entry);
        open = null;
    }

    public void Add(string name, ReadOnlySpan<byte> data)
    {
        Begin(name, data.Length);
        Write(data);
        End();
    }

    /// <summary>Writes the central directory and the end records; the archive is then complete.</summary>
    public void Finish()
    {
        if (open is not null)
        {
            throw new InvalidOperationException($"zip member '{open.Name}' is still open");
        }

        var directoryStart = file.Position;
        foreach (var entry in entries)
        {
            WriteCentralHeader(entry);
        }

        var directoryEnd = file.Position;
        var directoryBytes = directoryEnd - directoryStart;
        var zip64 = entries.Count >= ushort.MaxValue || directoryStart >= Saturated || directoryBytes >= Saturated;
        if (zip64)
        {
            var record = new byte[56];
            BinaryPrimitives.WriteUInt32LittleEndian(record, Zip64EndSignature);
            BinaryPrimitives.WriteInt64LittleEndian(record.AsSpan(4), record.Length - 12);
            BinaryPrimitives.WriteUInt16LittleEndian(record.AsSpan(12), Zip64Version);
            BinaryPrimitives.WriteUInt16LittleEndian(record.AsSpan(14), Zip64Version);
            BinaryPrimitives.WriteInt64LittleEndian(record.AsSpan(24), entries.Count);
            BinaryPrimitives.WriteInt64LittleEndian(record.AsSpan(32), entries.Count);
            BinaryPrimitives.WriteInt64LittleEndian(record.AsSpan(40), directoryBytes);
            BinaryPrimitives.WriteInt64LittleEndian(record.AsSpan(48), directoryStart);
            file.Write(record);

            var locator = new byte[20];
            BinaryPrimitives.WriteUInt32LittleEndian(locator, Zip64LocatorSignature);
            BinaryPrimitives.WriteInt64LittleEndian(locator.AsSpan(8), directoryEnd);
            BinaryPrimitives.WriteUInt32LittleEndian(locator.AsSpan(16), 1);
            file.Write(locator);
        }

        var count = (ushort)Math.Min(entries.Count, ushort.MaxValue);
        var endRecord = new byte[22];
        BinaryPrimitives.WriteUInt32LittleEndian(endRecord, EndSignature);
        BinaryPrimitives.WriteUInt16LittleEndian(endRecord.AsSpan(8), zip64 ? ushort.MaxValue : count);
        BinaryPrimitives.WriteUInt16LittleEndian(endRecord.AsSpan(10), zip64 ? ushort.MaxValue : count);
        BinaryPrimitives.WriteUInt32LittleEndian(endRecord.AsSpan(12), zip64 ? Saturated : (uint)directoryBytes);
        BinaryPrimitives.WriteUInt32LittleEndian(endRecord.AsSpan(16), zip64 ? Saturated : (uint)directoryStart);
        file.Write(endRecord);
        file.Flush(flushToDisk: true);
    }

    public void Dispose() => file.Dispose();

    private void WriteCentralHeader(Entry entry)
    {
        var nameBytes = Encoding.UTF8.GetBytes(entry.Name);
        var wide = new List<long>();
        if (entry.Size >= Saturated)
        {
            wide.Add(entry.Size);
            wide.Add(entry.Size);
        }

        if (entry.LocalHeaderOffset >= Saturated)
        {
            wide.Add(entry.LocalHeaderOffset);
        }

        var extra = wide.Count > 0 ? Zip64Extra([.. wide]) : [];
        var version = wide.Count > 0 ? Zip64Version : ClassicVersion;
        var header = new byte[46];
        BinaryPrimitives.WriteUInt32LittleEndian(header, CentralSignature);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(4), version);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(6), version);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(8), Utf8Names);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(16), entry.Crc);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(20), Classic(entry.Size));
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(24), Classic(entry.Size));
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(28), (ushort)nameBytes.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(30), (ushort)extra.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(42), Classic(entry.LocalHeaderOffset));
        file.Write(header);
        file.Write(nameBytes);
        file.Write(extra);
    }

    private static uint Classic(long value) => value >= Saturated ? Saturated : (uint)value;

    /// <summary>The ZIP64 extra field: the 8-byte values of the saturated fields, in the order the format lists them.</summary>
    private static byte[] Zip64Extra(params long[] values)
    {
        var extra = new byte[4 + (8 * values.Length)];
        BinaryPrimitives.WriteUInt16LittleEndian(extra, Zip64ExtraId);
        BinaryPrimitives.WriteUInt16LittleEndian(extra.AsSpan(2), (ushort)(8 * values.Length));
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(extra.AsSpan(4 + (8 * i)), values[i]);
        }

        return extra;
    }
}
