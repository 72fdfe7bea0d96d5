namespace TurboDiffusion.Engine.Media;

/// <summary>
/// CRC-32 (ISO-HDLC, reflected polynomial 0xEDB88320) as PNG chunks and zip members use it, over the chunk type
/// then its data. Written here because the engine does not reference System.IO.Hashing.
/// </summary>
internal static class Crc32
{
    private static readonly uint[] Table = BuildTable();

    public static uint Compute(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second = default) =>
        ~Update(Update(uint.MaxValue, first), second);

    /// <summary>The CRC of the bytes <paramref name="crc"/> covers followed by <paramref name="more"/> (0 for none yet): data written in pieces.</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> more) => ~Update(~crc, more);

    private static uint Update(uint crc, ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        return crc;
    }

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (var n = 0u; n < 256; n++)
        {
            var c = n;
            for (var bit = 0; bit < 8; bit++)
            {
                c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
            }

            table[n] = c;
        }

        return table;
    }
}
