using System.Buffers.Binary;
using System.Text;

namespace TurboDiffusion.Engine.Text;

/// <summary>
/// SentencePiece's precompiled normalisation map: a uint32 byte count, a darts-clone double-array trie over
/// UTF-8 keys, then the replacement strings, each NUL-terminated, which the trie's values index. Read only
/// to find the characters the normaliser deletes (those mapped to the empty string).
/// </summary>
internal sealed class PrecompiledCharsMap
{
    private readonly uint[] units;
    private readonly byte[] replacements;

    private PrecompiledCharsMap(uint[] units, byte[] replacements)
    {
        this.units = units;
        this.replacements = replacements;
    }

    /// <exception cref="InvalidDataException">The blob is shorter than its trie claims.</exception>
    public static PrecompiledCharsMap Parse(ReadOnlySpan<byte> blob)
    {
        if (blob.Length < 4)
        {
            throw new InvalidDataException($"precompiled_charsmap is {blob.Length} bytes, too short for its header");
        }

        var trieBytes = BinaryPrimitives.ReadUInt32LittleEndian(blob);
        if (trieBytes % 4 != 0 || trieBytes > blob.Length - 4)
        {
            throw new InvalidDataException($"precompiled_charsmap claims a {trieBytes}-byte trie in {blob.Length - 4} bytes");
        }

        var units = new uint[trieBytes / 4];
        for (var i = 0; i < units.Length; i++)
        {
            units[i] = BinaryPrimitives.ReadUInt32LittleEndian(blob[(4 + (4 * i))..]);
        }

        return new PrecompiledCharsMap(units, blob[(4 + (int)trieBytes)..].ToArray());
    }

    /// <summary>The characters of the Basic Multilingual Plane that normalise to nothing.</summary>
    public IReadOnlySet<char> DeletedCharacters()
    {
        var deleted = new HashSet<char>();
        Span<byte> utf8 = stackalloc byte[4];
        Span<char> one = stackalloc char[1];
        for (var c = 0; c <= char.MaxValue; c++)
        {
            if (char.IsSurrogate((char)c))
            {
                continue;
            }

            one[0] = (char)c;
            var length = Encoding.UTF8.GetBytes(one, utf8);
            if (Lookup(utf8[..length]) is { } offset && offset < replacements.Length && replacements[offset] == 0)
            {
                deleted.Add((char)c);
            }
        }

        return deleted;
    }

    // darts-clone unit layout: bits 0-7 label (bit 31 marks a value unit), bit 8 has-leaf, bit 9 selects the
    // offset's scale, bits 10-31 offset.
    private int? Lookup(ReadOnlySpan<byte> key)
    {
        if (units.Length == 0)
        {
            return null;
        }

        uint id = 0;
        var unit = units[0];
        foreach (var b in key)
        {
            id ^= Offset(unit) ^ b;
            if (id >= units.Length)
            {
                return null;
            }

            unit = units[id];
            if ((unit & 0x800000FFu) != b)
            {
                return null;
            }
        }

        if (((unit >> 8) & 1) == 0)
        {
            return null;
        }

        var leaf = id ^ Offset(unit);
        return leaf < units.Length ? (int)(units[leaf] & 0x7FFFFFFFu) : null;
    }

    private static uint Offset(uint unit) => (unit >> 10) << (int)((unit & (1u << 9)) >> 6);
}
