using System.Globalization;
using Microsoft.Extensions.Options;

namespace TurboDiffusion.Farm.Options;

/// <summary>Collects option problems, each naming Section:Key, the legal range and the fix.</summary>
public sealed class OptionsProblems(string section)
{
    private readonly List<string> problems = [];

    public OptionsProblems Range(string key, TimeSpan value, TimeSpan min, TimeSpan max)
    {
        if (value < min || value > max)
        {
            problems.Add($"{section}:{key} is {Format(value)}; it must be between {Format(min)} and {Format(max)}. Set it as a TimeSpan, e.g. \"00:00:30\".");
        }

        return this;
    }

    public OptionsProblems Range(string key, long value, long min, long max)
    {
        if (value < min || value > max)
        {
            problems.Add($"{section}:{key} is {value}; it must be between {min} and {max}.");
        }

        return this;
    }

    public OptionsProblems Range(string key, double value, double min, double max)
    {
        if (double.IsNaN(value) || value < min || value > max)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"{section}:{key} is {value}; it must be between {min} and {max}."));
        }

        return this;
    }

    public OptionsProblems Require(bool condition, string key, string problemAndFix)
    {
        if (!condition)
        {
            problems.Add($"{section}:{key} {problemAndFix}");
        }

        return this;
    }

    public ValidateOptionsResult Result() =>
        problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);

    private static string Format(TimeSpan value) => value.ToString("c", CultureInfo.InvariantCulture);
}
