using System.Text.RegularExpressions;

namespace TurboDiffusion.Engine.Text;

/// <summary>ftfy's single-character fixes, each as its default configuration applies it.</summary>
internal static partial class CharacterFixes
{
    /// <summary>Curly and low quotes become ASCII: ‘ ’ ‚ ‛ ʼ → ', “ ” „ ‟ → ".</summary>
    public static string UncurlQuotes(string text) =>
        DoubleQuote().Replace(SingleQuote().Replace(text, "'"), "\"");

    /// <summary>CRLF, CR, U+2028, U+2029 and U+0085 become LF.</summary>
    public static string FixLineBreaks(string text) => LineBreak().Replace(text, "\n");

    /// <summary>ANSI terminal sequences (colours, cursor moves: ESC [ digits/; letter) are dropped.</summary>
    public static string RemoveTerminalEscapes(string text) => TerminalEscape().Replace(text, "");

    /// <summary>
    /// C0 controls other than tab, LF, FF and CR, DEL, the deprecated format characters U+206A–U+206F,
    /// the byte-order mark and the interlinear annotation characters U+FFF9–U+FFFC are dropped.
    /// </summary>
    public static string RemoveControlCharacters(string text) => ControlCharacter().Replace(text, "");

    /// <summary>C1 controls U+0080–U+009F are bytes of Windows-1252 text read as Latin-1: decode them as cp1252.</summary>
    public static string FixC1Controls(string text) =>
        C1Control().Replace(text, m => Windows1252.Decode((byte)m.Value[0]).ToString());

    [GeneratedRegex("[\u02BC\u2018-\u201B]")]
    private static partial Regex SingleQuote();

    [GeneratedRegex("[\u201C-\u201F]")]
    private static partial Regex DoubleQuote();

    [GeneratedRegex("\r\n|[\r\u2028\u2029\u0085]")]
    private static partial Regex LineBreak();

    [GeneratedRegex(@"\x1B\[[\d;]*[a-zA-Z]")]
    private static partial Regex TerminalEscape();

    [GeneratedRegex("[\u0000-\u0008\u000B\u000E-\u001F\u007F\u206A-\u206F\uFEFF\uFFF9-\uFFFC]")]
    private static partial Regex ControlCharacter();

    [GeneratedRegex("[\u0080-\u009F]")]
    private static partial Regex C1Control();
}
