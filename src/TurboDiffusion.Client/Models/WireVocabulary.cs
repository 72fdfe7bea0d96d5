using System.Globalization;
using System.Reflection;
using System.Text.Json.Serialization;

namespace TurboDiffusion.Client.Models;

/// <summary>
/// The wire names of one <see cref="WireEnumAttribute"/> enum, read once from its members. An enum without the
/// attribute, a member without a name, or two members whose names differ only in case fail here, on first use.
/// </summary>
internal sealed class WireVocabulary<T>
    where T : struct, Enum
{
    private readonly Dictionary<T, string> names;
    private readonly Dictionary<string, T> values;

    private WireVocabulary()
    {
        var type = typeof(T);
        var wire = type.GetCustomAttribute<WireEnumAttribute>()
            ?? throw new InvalidOperationException($"{type.FullName} is not part of the wire vocabulary: it has no [{nameof(WireEnumAttribute)}].");
        Noun = wire.Noun;
        ReadsNumbers = wire.ReadsNumbers;
        names = [];
        values = new Dictionary<string, T>(StringComparer.OrdinalIgnoreCase);
        foreach (var value in Enum.GetValues<T>())
        {
            var member = type.GetField(value.ToString(), BindingFlags.Public | BindingFlags.Static)!;
            var name = member.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name
                ?? throw new InvalidOperationException($"{type.FullName}.{member.Name} has no wire name; give it [JsonStringEnumMemberName(\"...\")].");
            if (!values.TryAdd(name, value))
            {
                throw new InvalidOperationException($"{type.FullName}.{member.Name} has the wire name '{name}' of {type.FullName}.{values[name]}; give each member its own.");
            }

            names.Add(value, name);
        }

        Names = [.. names.Values];
    }

    private static readonly Lazy<WireVocabulary<T>> Built = new(() => new WireVocabulary<T>());

    public static WireVocabulary<T> Instance => Built.Value;

    public string Noun { get; }

    public bool ReadsNumbers { get; }

    /// <summary>Every name, in the enum's order.</summary>
    public IReadOnlyList<string> Names { get; }

    public string NameOf(T value) =>
        names.TryGetValue(value, out var name)
            ? name
            : throw new ArgumentOutOfRangeException(nameof(value), value, $"{typeof(T).FullName} value '{value}' has no wire name.");

    /// <summary>A name in any case; with <see cref="ReadsNumbers"/> also a member's number as digits.</summary>
    public bool TryParse(string? text, out T value)
    {
        if (text is not null && values.TryGetValue(text, out value))
        {
            return true;
        }

        value = default;
        return ReadsNumbers && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && TryFromNumber(number, out value);
    }

    public bool TryFromNumber(int number, out T value)
    {
        value = (T)Enum.ToObject(typeof(T), number);
        return names.ContainsKey(value);
    }

    /// <summary>"'1080p' is not a resolution; use 144p, 480p or 720p."</summary>
    public string Problem(string given) => $"{given} is not a{(StartsWithVowel(Noun) ? "n" : "")} {Noun}; use {Choices()}.";

    private string Choices() => Names.Count == 1 ? Names[0] : $"{string.Join(", ", Names.Take(Names.Count - 1))} or {Names[^1]}";

    private static bool StartsWithVowel(string word) => word.Length > 0 && "aeiou".Contains(word[0], StringComparison.Ordinal);
}
