namespace TurboDiffusion.Engine.Text;

/// <summary>
/// The "sloppy" Windows-1252 code page the prompt fixes reason in: bytes 0x80–0x9F are the cp1252
/// punctuation where cp1252 defines them and the C1 control of the same number where it does not
/// (0x81, 0x8D, 0x8F, 0x90, 0x9D); every other byte is its Latin-1 character.
/// </summary>
internal static class Windows1252
{
    private const string HighControls =
        "\u20AC\u0081\u201A\u0192\u201E\u2026\u2020\u2021\u02C6\u2030\u0160\u2039\u0152\u008D\u017D\u008F" +
        "\u0090\u2018\u2019\u201C\u201D\u2022\u2013\u2014\u02DC\u2122\u0161\u203A\u0153\u009D\u017E\u0178";

    /// <summary>The character byte <paramref name="value"/> decodes to.</summary>
    public static char Decode(byte value) => value is >= 0x80 and < 0xA0 ? HighControls[value - 0x80] : (char)value;

    /// <summary>
    /// The byte that <paramref name="c"/> came from, read either as cp1252 or as Latin-1 (so both € and
    /// U+0080 give 0x80): text mis-decoded by either code page maps back to its original bytes.
    /// </summary>
    public static bool TryEncode(char c, out byte value)
    {
        if (c < 0x100)
        {
            value = (byte)c;
            return true;
        }

        var index = HighControls.IndexOf(c, StringComparison.Ordinal);
        value = (byte)(0x80 + index);
        return index >= 0;
    }
}
