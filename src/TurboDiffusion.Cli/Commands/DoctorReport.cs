namespace TurboDiffusion.Cli.Commands;

/// <summary>The lines <c>turbo doctor</c> prints: each a name, what was found, and for problems the fix.</summary>
public sealed class DoctorReport
{
    private readonly List<(string Marker, string Name, string Value, string? Fix)> lines = [];

    public List<string> Problems { get; } = [];

    public void Ok(string name, string value) => lines.Add(("ok", name, value, null));

    public void Info(string name, string value) => lines.Add(("--", name, value, null));

    public void Problem(string name, string value, string fix)
    {
        lines.Add(("!!", name, value, fix));
        Problems.Add(name);
    }

    public void WriteTo(TextWriter output)
    {
        output.WriteLine("TurboDiffusion doctor");
        var width = lines.Max(l => l.Name.Length);
        foreach (var (marker, name, value, fix) in lines)
        {
            output.WriteLine($"[{marker}] {name.PadRight(width)}  {value}");
            if (fix is not null)
            {
                output.WriteLine($"     {"".PadRight(width)}  fix: {fix}");
            }
        }

        output.WriteLine(Problems.Count == 0
            ? "Everything required is present."
            : $"{Problems.Count} problem(s): {string.Join(", ", Problems)}.");
    }
}
