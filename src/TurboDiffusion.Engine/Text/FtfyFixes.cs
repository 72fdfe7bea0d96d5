using System.Text;

namespace TurboDiffusion.Engine.Text;

/// <summary>
/// The part of ftfy's <c>fix_text</c> (6.3, default settings) that Wan's prompt cleaning relies on, in ftfy's
/// order and like ftfy repeated until the text stops changing, line by line: HTML entities (only while no
/// line so far holds a literal '&lt;', which marks real HTML), UTF-8 mojibake (<see cref="MojibakeRepair"/>),
/// C1 controls, Latin ligatures, character width, curly quotes, line breaks, terminal escapes and control
/// characters. Left out: the final NFC normalisation (string normalisation is unavailable under invariant
/// globalization; the tokenizer applies NFKC, which subsumes it, so token ids do not change), ftfy's guesses
/// of legacy code pages other than Windows-1252/Latin-1, and surrogate repair (UTF-16 strings cannot hold
/// the surrogate-escaped bytes it undoes).
/// </summary>
internal static class FtfyFixes
{
    private static readonly Func<string, string>[] Fixes =
    [
        MojibakeRepair.Fix,
        CharacterFixes.FixC1Controls,
        LatinLigatures.Fix,
        FullWidthForms.Fix,
        CharacterFixes.UncurlQuotes,
        CharacterFixes.FixLineBreaks,
        CharacterFixes.RemoveTerminalEscapes,
        CharacterFixes.RemoveControlCharacters,
    ];

    public static string Fix(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var result = new StringBuilder(text.Length);
        var unescapeHtml = true;
        for (var start = 0; start < text.Length;)
        {
            var end = text.IndexOf('\n', start) is var newline and >= 0 ? newline + 1 : text.Length;
            var line = text[start..end];
            unescapeHtml &= !line.Contains('<', StringComparison.Ordinal);
            result.Append(FixLine(line, unescapeHtml));
            start = end;
        }

        return result.ToString();
    }

    private static string FixLine(string line, bool unescapeHtml)
    {
        while (true)
        {
            var before = line;
            if (unescapeHtml)
            {
                line = PythonHtml.UnescapeEntities(line);
            }

            foreach (var fix in Fixes)
            {
                line = fix(line);
            }

            if (line == before)
            {
                return line;
            }
        }
    }
}
