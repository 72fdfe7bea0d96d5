using System.Text;

namespace TurboDiffusion.Gateway.Tests.Support;

/// <summary>One fuzzed request; <see cref="ToString"/> prints all that is needed to send it again.</summary>
internal sealed record FuzzCase(
    DocumentedOperation Operation,
    int Number,
    string Caller,
    string PathAndQuery,
    IReadOnlyList<KeyValuePair<string, string>> Headers,
    byte[]? Body,
    string? ContentType,
    string Intent)
{
    public const string Anonymous = "no key";

    private const int ShownBodyChars = 400;

    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(Operation).Append(" case ").Append(Number).Append(" (").Append(Intent).Append("), caller: ").Append(Caller).AppendLine();
        text.Append("  ").Append(Operation.Method).Append(' ').Append(Shorten(PathAndQuery)).AppendLine();
        foreach (var (name, value) in Headers)
        {
            text.Append("  ").Append(name).Append(": ").Append(Shorten(value)).AppendLine();
        }

        if (ContentType is not null)
        {
            text.Append("  Content-Type: ").Append(ContentType).AppendLine();
        }

        if (Body is not null)
        {
            text.Append("  body (").Append(Body.Length).Append(" bytes): ").Append(Shorten(Encoding.UTF8.GetString(Body))).AppendLine();
        }

        return text.ToString();
    }

    private static string Shorten(string value) =>
        value.Length <= ShownBodyChars ? value : $"{value[..ShownBodyChars]}... ({value.Length} chars, then '{value[^20..]}')";
}
