namespace TurboDiffusion.Cli;

/// <summary>Text that must stay on one line of the terminal (a job's summary line, an error), its lines joined by spaces.</summary>
internal static class SingleLine
{
    public static string Of(string text) =>
        string.Join(' ', text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
