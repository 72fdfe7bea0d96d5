using System.Text.RegularExpressions;

namespace TurboDiffusion.Gateway.Mapping;

/// <summary>
/// Keeps the server's file layout out of what tenants read: an absolute path in a failure message (the work
/// directory, a model folder) is cut to its file name, which is all a tenant can act on. Operators find the full
/// path in the worker's log.
/// </summary>
public static partial class ServerPaths
{
    public static string Redact(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return AbsolutePath().Replace(text, m => FileName(m.Value));
    }

    private static string FileName(string path)
    {
        var trimmed = path.TrimEnd('/', '\\');
        var separator = trimmed.LastIndexOfAny(['/', '\\']);
        return separator < 0 ? trimmed : trimmed[(separator + 1)..];
    }

    /// <summary>
    /// A Unix path of two or more segments (<c>/srv/models/x.bin</c>), a drive path (<c>C:\models\x.bin</c>) or a UNC
    /// path, not preceded by a word, a dot, a colon or a slash, so URLs and relative paths stay as they are. It ends
    /// at white space, a quote, a bracket or punctuation, and never with a dot.
    /// </summary>
    [GeneratedRegex("""(?<![\w.:/\\~-])(?:/[^\s/\\'"`<>|:;,()\[\]{}]+(?:/[^\s/\\'"`<>|:;,()\[\]{}]*)+|[A-Za-z]:[\\/][^\s'"`<>|:;,()\[\]{}]*|\\\\[^\s'"`<>|:;,()\[\]{}]+)(?<!\.)""")]
    private static partial Regex AbsolutePath();
}
