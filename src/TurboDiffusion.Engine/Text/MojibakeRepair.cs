using System.Text;

namespace TurboDiffusion.Engine.Text;

/// <summary>
/// Repairs UTF-8 that was decoded as Windows-1252 or Latin-1 ("cafÃ©" → "café", "donâ€™t" → "don’t"):
/// every run of characters whose bytes form one complete, valid multi-byte UTF-8 sequence is replaced
/// by the character it encodes. Sequences that would decode to a control character are left alone, as
/// is everything else; text with no such runs comes back unchanged. Like ftfy's encoding repair it runs
/// until nothing changes, so text mis-decoded several times over is peeled layer by layer before any other
/// fix (quote uncurling would break an inner layer's "â€š"). This is the common case of ftfy's encoding
/// repair; its whole-text guesses of other code pages (MacRoman, cp437, …) are not made.
/// </summary>
internal static class MojibakeRepair
{
    public static string Fix(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        while (true)
        {
            var repaired = FixOnce(text);
            if (ReferenceEquals(repaired, text))
            {
                return text;
            }

            text = repaired;
        }
    }

    private static string FixOnce(string text)
    {
        StringBuilder? fixedText = null;
        var copiedUpTo = 0;
        Span<byte> sequence = stackalloc byte[4];
        for (var i = 0; i < text.Length; i++)
        {
            if (!TryReadSequence(text, i, sequence, out var length, out var decoded))
            {
                continue;
            }

            fixedText ??= new StringBuilder(text.Length);
            fixedText.Append(text, copiedUpTo, i - copiedUpTo).Append(decoded);
            i += length - 1;
            copiedUpTo = i + 1;
        }

        return fixedText is null ? text : fixedText.Append(text, copiedUpTo, text.Length - copiedUpTo).ToString();
    }

    private static bool TryReadSequence(string text, int start, Span<byte> bytes, out int length, out string decoded)
    {
        (length, decoded) = (0, "");
        if (!Windows1252.TryEncode(text[start], out var lead))
        {
            return false;
        }

        length = lead switch
        {
            >= 0xC2 and <= 0xDF => 2,
            >= 0xE0 and <= 0xEF => 3,
            >= 0xF0 and <= 0xF4 => 4,
            _ => 0,
        };
        if (length == 0 || start + length > text.Length)
        {
            return false;
        }

        bytes[0] = lead;
        for (var k = 1; k < length; k++)
        {
            if (!Windows1252.TryEncode(text[start + k], out bytes[k]) || bytes[k] is < 0x80 or > 0xBF)
            {
                return false;
            }
        }

        // Rune decoding rejects overlong forms, surrogates and code points past U+10FFFF.
        if (Rune.DecodeFromUtf8(bytes[..length], out var rune, out var consumed) != System.Buffers.OperationStatus.Done
            || consumed != length || Rune.IsControl(rune))
        {
            return false;
        }

        decoded = rune.ToString();
        return true;
    }
}
