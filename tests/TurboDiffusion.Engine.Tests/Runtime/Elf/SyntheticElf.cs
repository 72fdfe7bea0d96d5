using System.Buffers.Binary;
using System.Text;

namespace TurboDiffusion.Engine.Tests.Runtime.Elf;

/// <summary>
/// Builds a minimal ELF64 shared object with section headers only: .dynstr, .dynamic (DT_NEEDED),
/// .gnu.version_r (version needs) and .gnu.version_d (version definitions), laid out as a linker would.
/// </summary>
internal sealed class SyntheticElf
{
    private readonly List<string> needed = [];
    private readonly List<(string File, List<(string Version, ushort Flags)> Versions)> needs = [];
    private readonly List<string> definitions = [];

    public SyntheticElf Needs(string library)
    {
        needed.Add(library);
        return this;
    }

    public SyntheticElf NeedsVersions(string file, params (string Version, ushort Flags)[] versions)
    {
        needs.Add((file, versions.ToList()));
        return this;
    }

    public SyntheticElf Defines(params string[] versions)
    {
        definitions.AddRange(versions);
        return this;
    }

    public byte[] Build()
    {
        var strings = new StringTable();
        var dynamic = new List<byte>();
        foreach (var library in needed)
        {
            dynamic.AddRange(Entry(1, strings.Add(library)));
        }

        dynamic.AddRange(Entry(0, 0));
        var verneed = BuildVerneed(strings);
        var verdef = BuildVerdef(strings);
        var dynstr = strings.Bytes();

        var sectionNames = new StringTable();
        var sections = new List<(uint Name, uint Type, byte[] Data, uint Link)>
        {
            (0, 0, [], 0),
            (sectionNames.Add(".dynstr"), 3, dynstr, 0),
            (sectionNames.Add(".dynamic"), 6, dynamic.ToArray(), 1),
            (sectionNames.Add(".gnu.version_r"), 0x6ffffffe, verneed, 1),
            (sectionNames.Add(".gnu.version_d"), 0x6ffffffd, verdef, 1),
        };
        sections.Add((sectionNames.Add(".shstrtab"), 3, sectionNames.Bytes(), 0));

        var body = new List<byte>(new byte[64]);
        var offsets = new List<long>();
        foreach (var section in sections)
        {
            while (body.Count % 8 != 0)
            {
                body.Add(0);
            }

            offsets.Add(body.Count);
            body.AddRange(section.Data);
        }

        while (body.Count % 8 != 0)
        {
            body.Add(0);
        }

        var sectionTable = body.Count;
        for (var i = 0; i < sections.Count; i++)
        {
            var header = new byte[64];
            BinaryPrimitives.WriteUInt32LittleEndian(header, sections[i].Name);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(4), sections[i].Type);
            BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(24), i == 0 ? 0 : offsets[i]);
            BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(32), sections[i].Data.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(40), sections[i].Link);
            body.AddRange(header);
        }

        var image = body.ToArray();
        "\u007fELF"u8.CopyTo(image);
        image[4] = 2;
        image[5] = 1;
        image[6] = 1;
        BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(16), 3);
        BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(18), 62);
        BinaryPrimitives.WriteInt64LittleEndian(image.AsSpan(40), sectionTable);
        BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(52), 64);
        BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(58), 64);
        BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(60), (ushort)sections.Count);
        BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(62), (ushort)(sections.Count - 1));
        return image;
    }

    private byte[] BuildVerneed(StringTable strings)
    {
        var data = new List<byte>();
        for (var n = 0; n < needs.Count; n++)
        {
            var (file, versions) = needs[n];
            var entry = new byte[16];
            BinaryPrimitives.WriteUInt16LittleEndian(entry, 1);
            BinaryPrimitives.WriteUInt16LittleEndian(entry.AsSpan(2), (ushort)versions.Count);
            BinaryPrimitives.WriteUInt32LittleEndian(entry.AsSpan(4), strings.Add(file));
            BinaryPrimitives.WriteUInt32LittleEndian(entry.AsSpan(8), 16);
            var size = 16 + 16 * versions.Count;
            BinaryPrimitives.WriteUInt32LittleEndian(entry.AsSpan(12), n == needs.Count - 1 ? 0u : (uint)size);
            data.AddRange(entry);
            for (var v = 0; v < versions.Count; v++)
            {
                var aux = new byte[16];
                BinaryPrimitives.WriteUInt16LittleEndian(aux.AsSpan(4), versions[v].Flags);
                BinaryPrimitives.WriteUInt16LittleEndian(aux.AsSpan(6), (ushort)(2 + v));
                BinaryPrimitives.WriteUInt32LittleEndian(aux.AsSpan(8), strings.Add(versions[v].Version));
                BinaryPrimitives.WriteUInt32LittleEndian(aux.AsSpan(12), v == versions.Count - 1 ? 0u : 16u);
                data.AddRange(aux);
            }
        }

        return data.ToArray();
    }

    private byte[] BuildVerdef(StringTable strings)
    {
        var data = new List<byte>();
        for (var d = 0; d < definitions.Count; d++)
        {
            var entry = new byte[28];
            BinaryPrimitives.WriteUInt16LittleEndian(entry, 1);
            BinaryPrimitives.WriteUInt16LittleEndian(entry.AsSpan(4), (ushort)(d + 1));
            BinaryPrimitives.WriteUInt16LittleEndian(entry.AsSpan(6), 1);
            BinaryPrimitives.WriteUInt32LittleEndian(entry.AsSpan(12), 20);
            BinaryPrimitives.WriteUInt32LittleEndian(entry.AsSpan(16), d == definitions.Count - 1 ? 0u : 28u);
            BinaryPrimitives.WriteUInt32LittleEndian(entry.AsSpan(20), strings.Add(definitions[d]));
            data.AddRange(entry);
        }

        return data.ToArray();
    }

    private static byte[] Entry(long tag, long value)
    {
        var entry = new byte[16];
        BinaryPrimitives.WriteInt64LittleEndian(entry, tag);
        BinaryPrimitives.WriteInt64LittleEndian(entry.AsSpan(8), value);
        return entry;
    }

    private sealed class StringTable
    {
        private readonly List<byte> bytes = [0];

        public uint Add(string value)
        {
            var offset = (uint)bytes.Count;
            bytes.AddRange(Encoding.ASCII.GetBytes(value));
            bytes.Add(0);
            return offset;
        }

        public byte[] Bytes() => bytes.ToArray();
    }
}
