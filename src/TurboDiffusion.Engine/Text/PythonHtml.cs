using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace TurboDiffusion.Engine.Text;

/// <summary>
/// HTML character references decoded the way Python does. <see cref="Unescape"/> follows <c>html.unescape</c>:
/// numeric references with or without ';' (0x80–0x9F read as Windows-1252, invalid code points dropped or
/// U+FFFD), named references with ';', and the legacy names that need no ';' (<c>&amp;amp</c>,
/// <c>&amp;copy</c>, the Latin-1 letters), longest prefix first. <see cref="UnescapeEntities"/> is ftfy's
/// stricter step: only complete <c>&amp;…;</c> references, plus upper-cased names (<c>&amp;EACUTE;</c> → É).
/// Names are those of .NET's HTML 4 table; names HTML5 added (<c>&amp;NewLine;</c>) stay as text.
/// </summary>
internal static partial class PythonHtml
{
    public static string Unescape(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Contains('&', StringComparison.Ordinal) ? Reference().Replace(text, m => Resolve(m.Groups[1].Value)) : text;
    }

    public static string UnescapeEntities(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Contains('&', StringComparison.Ordinal) ? Entity().Replace(text, m => ResolveEntity(m.Value)) : text;
    }

    private static string Resolve(string reference)
    {
        if (reference[0] == '#')
        {
            return Numeric(reference[1..].TrimEnd(';'));
        }

        if (reference.EndsWith(';') && TryNamed(reference[..^1], out var value))
        {
            return value;
        }

        for (var length = reference.Length - (reference.EndsWith(';') ? 1 : 0); length >= 2; length--)
        {
            var name = reference[..length];
            if (IsLegacyName(name) && TryNamed(name, out var legacy))
            {
                return legacy + reference[length..];
            }
        }

        return "&" + reference;
    }

    private static string ResolveEntity(string entity)
    {
        var body = entity[1..^1];
        if (body[0] == '#')
        {
            var digits = body[1..];
            var isNumber = digits.Length > 0 && (digits[0] is 'x' or 'X'
                ? digits.Length > 1 && digits[1..].All(char.IsAsciiHexDigit)
                : digits.All(char.IsAsciiDigit));
            return isNumber ? Numeric(digits) : entity;
        }

        if (TryNamed(body, out var value))
        {
            return value;
        }

        var upperCased = body.Any(char.IsUpper) && !body.Any(char.IsLower);
        return upperCased && TryNamed(body.ToLowerInvariant(), out var folded) ? folded.ToUpperInvariant() : entity;
    }

    /// <param name="digits">Decimal digits, or 'x' and hex digits, without '#' or ';'.</param>
    private static string Numeric(string digits)
    {
        var hex = digits[0] is 'x' or 'X';
        var number = hex ? digits[1..] : digits;
        // Too many digits, or a hex value long reads as negative: past U+10FFFF either way.
        var value = long.TryParse(number, hex ? NumberStyles.AllowHexSpecifier : NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) && parsed >= 0
            ? parsed
            : long.MaxValue;
        return value switch
        {
            0 => "\uFFFD",
            0x0D => "\r",
            >= 0x80 and <= 0x9F => Windows1252.Decode((byte)value).ToString(),
            (>= 0xD800 and <= 0xDFFF) or > 0x10FFFF => "\uFFFD",
            _ when IsInvalidCodePoint(value) => "",
            _ => char.ConvertFromUtf32((int)value),
        };
    }

    private static bool IsInvalidCodePoint(long value) =>
        value is (>= 0x01 and <= 0x08) or 0x0B or (>= 0x0E and <= 0x1F) or (>= 0x7F and <= 0x9F) or (>= 0xFDD0 and <= 0xFDEF)
        || (value & 0xFFFE) == 0xFFFE;

    private static bool TryNamed(string name, out string value)
    {
        // HTML5 spells six of the HTML 4 names in capitals too.
        if (name is "AMP" or "LT" or "GT" or "QUOT" or "COPY" or "REG")
        {
            name = name.ToLowerInvariant();
        }

        var reference = "&" + name + ";";
        value = WebUtility.HtmlDecode(reference);
        return value != reference;
    }

    // HTML5 accepts these without ';': amp, lt, gt, quot, their capitals, COPY, REG and the Latin-1 names.
    private static bool IsLegacyName(string name) =>
        name is "amp" or "lt" or "gt" or "quot" or "AMP" or "LT" or "GT" or "QUOT" or "COPY" or "REG"
        || (TryNamed(name, out var value) && value.Length == 1 && value[0] is >= '\u00A0' and <= '\u00FF');

    [GeneratedRegex(@"&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)")]
    private static partial Regex Reference();

    [GeneratedRegex("&#?[0-9A-Za-z]{1,24};")]
    private static partial Regex Entity();
}
