namespace TurboDiffusion.Engine.Media.BuiltInEncoder;

/// <summary>NAL unit framing (ITU-T H.264 7.3.1): a one-byte header, then the RBSP with emulation prevention.</summary>
internal static class NalUnit
{
    public const byte SequenceParameterSet = 7;
    public const byte PictureParameterSet = 8;
    public const byte IdrSlice = 5;

    /// <summary>nal_ref_idc 3: parameter sets and IDR pictures are what every later picture depends on.</summary>
    public static byte Header(byte type) => (byte)((3 << 5) | type);

    /// <summary>
    /// The NAL unit of <paramref name="rbsp"/>: an emulation_prevention_three_byte after every two zero bytes
    /// that precede a byte of 0 to 3, so no start code (00 00 01) can appear inside it.
    /// </summary>
    public static byte[] Wrap(byte type, ReadOnlySpan<byte> rbsp)
    {
        var unit = new List<byte>(rbsp.Length + 8) { Header(type) };
        var zeros = 0;
        foreach (var value in rbsp)
        {
            if (zeros == 2 && value <= 3)
            {
                unit.Add(3);
                zeros = 0;
            }

            unit.Add(value);
            zeros = value == 0 ? zeros + 1 : 0;
        }

        return [.. unit];
    }
}
