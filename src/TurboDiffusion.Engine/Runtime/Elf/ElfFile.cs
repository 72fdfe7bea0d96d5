using System.Buffers.Binary;
using System.Text;

namespace TurboDiffusion.Engine.Runtime.Elf;

/// <summary>
/// A read-only view of a little-endian ELF64 shared object: its section headers, DT_NEEDED entries,
/// and the symbol-version sections (<c>.gnu.version_r</c> needs, <c>.gnu.version_d</c> definitions).
/// Only the headers and the small sections asked for are read, so a 460 MB libtorch costs a few KB.
/// </summary>
public sealed class ElfFile : IDisposable
{
    internal const uint SectionDynamic = 6;
    internal const uint SectionGnuVerdef = 0x6ffffffd;
    internal const uint SectionGnuVerneed = 0x6ffffffe;
    internal const long DynamicNeeded = 1;

    private readonly FileStream stream;

    private ElfFile(string path, FileStream stream, IReadOnlyList<ElfSection> sections)
    {
        Path = path;
        this.stream = stream;
        Sections = sections;
    }

    public string Path { get; }

    public IReadOnlyList<ElfSection> Sections { get; }

    public static ElfFile Open(string path)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        try
        {
            return new ElfFile(path, stream, ReadSectionHeaders(path, stream));
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Names of the libraries this object needs (DT_NEEDED), in file order.</summary>
    public IReadOnlyList<string> NeededLibraries()
    {
        var dynamic = Sections.FirstOrDefault(s => s.Type == SectionDynamic);
        if (dynamic is null)
        {
            return [];
        }

        var strings = ReadLinkedStrings(dynamic);
        var data = ReadSection(dynamic);
        var needed = new List<string>();
        for (var at = 0; at + 16 <= data.Length; at += 16)
        {
            var tag = BinaryPrimitives.ReadInt64LittleEndian(data.AsSpan(at));
            if (tag == 0)
            {
                break;
            }

            if (tag == DynamicNeeded)
            {
                needed.Add(CString(strings, BinaryPrimitives.ReadUInt64LittleEndian(data.AsSpan(at + 8)), dynamic));
            }
        }

        return needed;
    }

    /// <summary>Every version this object requires of its dependencies (<c>.gnu.version_r</c>).</summary>
    public IReadOnlyList<ElfVersionNeed> VersionNeeds()
    {
        var section = Sections.FirstOrDefault(s => s.Type == SectionGnuVerneed);
        if (section is null)
        {
            return [];
        }

        var strings = ReadLinkedStrings(section);
        var data = ReadSection(section);
        var needs = new List<ElfVersionNeed>();
        var entry = 0;
        while (true)
        {
            // Elf64_Verneed: vn_version u16, vn_cnt u16, vn_file u32, vn_aux u32, vn_next u32
            RequireWithin(data, entry, 16, section);
            var count = BinaryPrimitives.ReadUInt16LittleEndian(data.AsSpan(entry + 2));
            var file = CString(strings, BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(entry + 4)), section);
            var aux = entry + (int)BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(entry + 8));
            for (var i = 0; i < count; i++)
            {
                // Elf64_Vernaux: vna_hash u32, vna_flags u16, vna_other u16, vna_name u32, vna_next u32
                RequireWithin(data, aux, 16, section);
                var flags = BinaryPrimitives.ReadUInt16LittleEndian(data.AsSpan(aux + 4));
                var name = CString(strings, BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(aux + 8)), section);
                needs.Add(new ElfVersionNeed(file, name, flags, section.Offset + aux + 4));
                aux += (int)BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(aux + 12));
            }

            var next = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(entry + 12));
            if (next == 0)
            {
                return needs;
            }

            entry += (int)next;
        }
    }

    /// <summary>Every version this object defines (<c>.gnu.version_d</c>), e.g. GLIBCXX_3.4.30 for libstdc++.</summary>
    public IReadOnlyList<string> VersionDefinitions()
    {
        var section = Sections.FirstOrDefault(s => s.Type == SectionGnuVerdef);
        if (section is null)
        {
            return [];
        }

        var strings = ReadLinkedStrings(section);
        var data = ReadSection(section);
        var names = new List<string>();
        var entry = 0;
        while (true)
        {
            // Elf64_Verdef: vd_version u16, vd_flags u16, vd_ndx u16, vd_cnt u16, vd_hash u32, vd_aux u32, vd_next u32;
            // its first Verdaux (vda_name u32, vda_next u32) names the version.
            RequireWithin(data, entry, 20, section);
            var aux = entry + (int)BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(entry + 12));
            RequireWithin(data, aux, 8, section);
            names.Add(CString(strings, BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(aux)), section));
            var next = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(entry + 16));
            if (next == 0)
            {
                return names;
            }

            entry += (int)next;
        }
    }

    public byte[] ReadSection(ElfSection section)
    {
        var data = new byte[checked((int)section.Size)];
        stream.Seek(section.Offset, SeekOrigin.Begin);
        stream.ReadExactly(data);
        return data;
    }

    public void Dispose() => stream.Dispose();

    private byte[] ReadLinkedStrings(ElfSection section)
    {
        if (section.Link >= Sections.Count)
        {
            throw new ElfFormatException(Path, $"section {section.Name} links to string table {section.Link}, but there are {Sections.Count} sections");
        }

        return ReadSection(Sections[(int)section.Link]);
    }

    private string CString(byte[] table, ulong offset, ElfSection owner)
    {
        if (offset >= (ulong)table.Length)
        {
            throw new ElfFormatException(Path, $"section {owner.Name} names string offset {offset}, past its {table.Length}-byte string table");
        }

        var span = table.AsSpan((int)offset);
        var end = span.IndexOf((byte)0);
        return Encoding.ASCII.GetString(end < 0 ? span : span[..end]);
    }

    private void RequireWithin(byte[] data, int at, int length, ElfSection section)
    {
        if (at < 0 || at + length > data.Length)
        {
            throw new ElfFormatException(Path, $"section {section.Name} has an entry at byte {at} that runs past its end ({data.Length} bytes)");
        }
    }

    private static List<ElfSection> ReadSectionHeaders(string path, FileStream stream)
    {
        Span<byte> header = stackalloc byte[64];
        if (stream.Length < 64)
        {
            throw new ElfFormatException(path, $"file is {stream.Length} bytes, shorter than an ELF64 header");
        }

        stream.ReadExactly(header);
        if (header[0] != 0x7f || header[1] != (byte)'E' || header[2] != (byte)'L' || header[3] != (byte)'F')
        {
            throw new ElfFormatException(path, "no ELF magic number");
        }

        if (header[4] != 2 || header[5] != 1)
        {
            throw new ElfFormatException(path, $"only little-endian ELF64 is supported (class {header[4]}, data {header[5]})");
        }

        var sectionOffset = BinaryPrimitives.ReadInt64LittleEndian(header[40..]);
        var entrySize = BinaryPrimitives.ReadUInt16LittleEndian(header[58..]);
        var count = BinaryPrimitives.ReadUInt16LittleEndian(header[60..]);
        var namesIndex = BinaryPrimitives.ReadUInt16LittleEndian(header[62..]);
        if (entrySize != 64 || sectionOffset <= 0 || sectionOffset + (long)count * 64 > stream.Length || namesIndex >= count)
        {
            throw new ElfFormatException(path, $"section header table is malformed (offset {sectionOffset}, {count} entries of {entrySize} bytes, names at {namesIndex}, file {stream.Length} bytes)");
        }

        var table = new byte[count * 64];
        stream.Seek(sectionOffset, SeekOrigin.Begin);
        stream.ReadExactly(table);
        var raw = new (uint Name, uint Type, long Offset, long Size, uint Link)[count];
        for (var i = 0; i < count; i++)
        {
            var entry = table.AsSpan(i * 64, 64);
            raw[i] = (
                BinaryPrimitives.ReadUInt32LittleEndian(entry),
                BinaryPrimitives.ReadUInt32LittleEndian(entry[4..]),
                BinaryPrimitives.ReadInt64LittleEndian(entry[24..]),
                BinaryPrimitives.ReadInt64LittleEndian(entry[32..]),
                BinaryPrimitives.ReadUInt32LittleEndian(entry[40..]));
            const uint noBits = 8;
            if (raw[i].Type != noBits && (raw[i].Offset < 0 || raw[i].Size < 0 || raw[i].Offset + raw[i].Size > stream.Length))
            {
                throw new ElfFormatException(path, $"section {i} claims bytes {raw[i].Offset}..{raw[i].Offset + raw[i].Size}, past the end of the {stream.Length}-byte file");
            }
        }

        var names = new byte[raw[namesIndex].Size];
        stream.Seek(raw[namesIndex].Offset, SeekOrigin.Begin);
        stream.ReadExactly(names);
        return raw.Select(s => new ElfSection(SectionName(names, s.Name), s.Type, s.Offset, s.Size, s.Link)).ToList();
    }

    private static string SectionName(byte[] names, uint offset)
    {
        if (offset >= names.Length)
        {
            return $"#{offset}";
        }

        var span = names.AsSpan((int)offset);
        var end = span.IndexOf((byte)0);
        return Encoding.ASCII.GetString(end < 0 ? span : span[..end]);
    }
}

/// <summary>One section header: its name, type, and where its bytes lie in the file.</summary>
public sealed record ElfSection(string Name, uint Type, long Offset, long Size, uint Link);

/// <summary>
/// One version requirement (<c>Elf64_Vernaux</c>): this object needs <see cref="Version"/> of <see cref="File"/>.
/// <see cref="FlagsOffset"/> is the file offset of its 16-bit <c>vna_flags</c>.
/// </summary>
public sealed record ElfVersionNeed(string File, string Version, ushort Flags, long FlagsOffset)
{
    /// <summary>VER_FLG_WEAK: the dynamic loader accepts a dependency that lacks this version.</summary>
    public const ushort WeakFlag = 0x2;

    public bool IsWeak => (Flags & WeakFlag) != 0;
}

public sealed class ElfFormatException(string path, string problem)
    : Exception($"{path} is not a usable ELF64 shared object: {problem}.")
{
    public string FilePath { get; } = path;
}
