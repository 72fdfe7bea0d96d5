using System.Text.RegularExpressions;

namespace TurboDiffusion.Engine.Text;

/// <summary>
/// Wan's prompt cleaning (<c>clean='whitespace'</c>): ftfy's fixes (<see cref="FtfyFixes"/>, which lists what
/// is and is not reproduced), HTML unescaped twice as Python's <c>html.unescape</c>, stripped, every run of
/// Unicode white space (U+00A0 and U+3000 included, U+200B not) collapsed to one space, stripped again.
/// </summary>
public static partial class WanPromptCleaner
{
    public static string Clean(string prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        var text = FtfyFixes.Fix(prompt);
        text = PythonHtml.Unescape(PythonHtml.Unescape(text)).Trim();
        return WhiteSpace().Replace(text, " ").Trim();
    }

    // .NET's \s is exactly Unicode White_Space, which is what the reference's `regex` module matches.
    [GeneratedRegex(@"\s+")]
    private static partial Regex WhiteSpace();
}
