using System.Buffers.Binary;
using System.Text;

namespace TurboDiffusion.Engine.Tests.Media;

/// <summary>One ISO BMFF box: where it starts, its header's length and its whole size.</summary>
internal readonly record struct Mp4Box(string Type, int Start, int HeaderBytes, long Size)
{
    public int BodyStart => Start + HeaderBytes;

    public long End => Start + Size;

    /// <summary>The body of a full box, after its version and flags.</summary>
    public int FullBoxBody => BodyStart + 4;
}

/// <summary>
/// A read-only view of an MP4's boxes, written from ISO/IEC 14496-12 and 14496-15 independently of the engine's
/// writer, so that tests can check what the writer put where.
/// </summary>
internal sealed class Mp4File(byte[] bytes)
{
    public byte[] Bytes { get; } = bytes;

    public static Mp4File Read(string path) => new(File.ReadAllBytes(path));

    public IReadOnlyList<Mp4Box> TopLevel() => Children(0, Bytes.Length);

    /// <summary>The boxes inside <paramref name="parent"/>, after the fields that precede them in its type.</summary>
    public IReadOnlyList<Mp4Box> Children(Mp4Box parent) => Children(parent.BodyStart + FieldsBeforeChildren(parent.Type), parent.End);

    /// <summary>The box at a path of types from the top level, e.g. <c>moov/trak/mdia/minf/stbl/stsd/avc1/avcC</c>.</summary>
    public Mp4Box Find(string path)
    {
        var types = path.Split('/');
        var boxes = TopLevel();
        for (var depth = 0; ; depth++)
        {
            var matches = boxes.Where(box => box.Type == types[depth]).ToList();
            Assert.True(matches.Count == 1, $"no single '{types[depth]}' box on the path {path}; found {string.Join(", ", boxes.Select(b => b.Type))}");
            if (depth == types.Length - 1)
            {
                return matches[0];
            }

            boxes = Children(matches[0]);
        }
    }

    public bool Contains(string path, string type) => Children(Find(path)).Any(box => box.Type == type);

    public byte Version(Mp4Box box) => Bytes[box.BodyStart];

    public byte UInt8(long at) => Bytes[at];

    public ushort UInt16(long at) => BinaryPrimitives.ReadUInt16BigEndian(Bytes.AsSpan((int)at));

    public uint UInt32(long at) => BinaryPrimitives.ReadUInt32BigEndian(Bytes.AsSpan((int)at));

    public string FourCc(long at) => Encoding.ASCII.GetString(Bytes, (int)at, 4);

    public ReadOnlySpan<byte> Span(long at, int length) => Bytes.AsSpan((int)at, length);

    /// <summary>Container boxes whose children follow some fields of their own.</summary>
    private static int FieldsBeforeChildren(string type) => type switch
    {
        "stsd" or "dref" => 8, // version and flags, entry_count
        "avc1" => 78, // the visual sample entry's fields (14496-12 12.1.3)
        _ => 0,
    };

    private List<Mp4Box> Children(long from, long to)
    {
        var boxes = new List<Mp4Box>();
        for (var at = from; at + 8 <= to;)
        {
            var size = (long)UInt32(at);
            var header = 8;
            if (size == 1)
            {
                size = (long)BinaryPrimitives.ReadUInt64BigEndian(Bytes.AsSpan((int)at + 8));
                header = 16;
            }

            var box = new Mp4Box(FourCc(at + 4), (int)at, header, size);
            Assert.True(size >= header && box.End <= to, $"box '{box.Type}' at {at} has size {size}, past its parent's end {to}");
            boxes.Add(box);
            at = box.End;
        }

        return boxes;
    }
}
