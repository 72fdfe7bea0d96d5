using System.Globalization;
using System.Text.RegularExpressions;

namespace TurboDiffusion.Engine.Tests.Fixtures;

/// <summary>Bounds on the difference from a reference; <see cref="Source"/> is the manifest's wording.</summary>
public sealed partial record Tolerance(double? MaxAbs, double? RelL2, string Source)
{
    private const string Number = "[0-9.eE+-]+";

    /// <summary>
    /// Reads a manifest's tolerance text: "max_abs &lt;= 5e-5 and rel_l2 &lt;= 5e-6"; "exact" (with or without a remark in
    /// parentheses) is max_abs 0; "relative 1e-6" and "1e-12 relative" are rel_l2.
    /// Where the text gives one bound per kind of comparison, "max_abs &lt;= 1e-14 (schedule) / 1e-12 (trajectories)",
    /// <paramref name="kind"/> picks one ("schedule"); leaving it out then is an error, never the first bound.
    /// </summary>
    /// <exception cref="FormatException">No bound, or the kind is missing or unknown.</exception>
    public static Tolerance Parse(string text, string? kind = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (ExactPattern().IsMatch(text))
        {
            return new Tolerance(0, null, text);
        }

        // "relative 1e-6" (the intermediates' wording) and "1e-12 relative" (int8_linear's) bound the same norm ratio as rel_l2.
        var relative = Regex.Match(text, $@"^\s*(?:relative\s+(?<value>{Number})|(?<value>{Number})\s+relative\b)");
        var relL2 = Bound(text, "rel_l2", kind) ?? (relative.Success ? ValueOf(relative) : null);
        var tolerance = new Tolerance(Bound(text, "max_abs", kind), relL2, text);
        return tolerance.MaxAbs is null && tolerance.RelL2 is null
            ? throw new FormatException($"no max_abs or rel_l2 bound in \"{text}\"")
            : tolerance;
    }

    private static double? Bound(string text, string metric, string? kind)
    {
        var match = Regex.Match(text, $@"{metric}\s*<=\s*(?<bounds>{Number}(?:\s*\([^)]*\))?(?:\s*/\s*{Number}\s*\([^)]*\))*)");
        if (!match.Success)
        {
            return null;
        }

        var bounds = BoundPattern().Matches(match.Groups["bounds"].Value);
        var kinds = bounds.Where(b => b.Groups["kind"].Success).Select(b => b.Groups["kind"].Value.Trim()).ToList();
        // One bound with a remark in parentheses is just that bound; several, split by '/', are per kind.
        if (kinds.Count == 0 || bounds.Count == 1)
        {
            return ValueOf(bounds[0]);
        }

        if (kind is null)
        {
            throw new FormatException($"\"{text}\" gives {metric} per kind ({string.Join(", ", kinds)}); name the kind");
        }

        var chosen = bounds.FirstOrDefault(b => b.Groups["kind"].Value.Trim() == kind)
            ?? throw new FormatException($"\"{text}\" has no {metric} bound for '{kind}' (it has {string.Join(", ", kinds)})");
        return ValueOf(chosen);
    }

    private static double ValueOf(Match bound) => double.Parse(bound.Groups["value"].Value, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^\s*exact\s*(\(.*\))?\s*$", RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex ExactPattern();

    [GeneratedRegex(@"(?<value>[0-9.eE+-]+)(?:\s*\((?<kind>[^)]*)\))?")]
    private static partial Regex BoundPattern();
}
