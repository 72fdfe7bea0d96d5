using System.Text.Json;
using System.Text.RegularExpressions;

namespace TurboDiffusion.Engine.Tests.Fixtures;

/// <summary>
/// A fixture's <c>fixture.json</c> read as typed values: its <c>config</c>, the shapes it records under <c>tensors</c>, and
/// its <c>tolerance</c> texts. The model configurations built from it (<c>WanConfig()</c>, <c>Umt5Config()</c>, ...) are the
/// only source of shapes, counts and settings for the tests that compare with the fixture: a fixture set with other
/// shapes is then tested as it is. A key the manifest lacks fails naming the file and the key.
/// </summary>
public sealed partial class FixtureManifest
{
    private readonly JsonElement root;

    private FixtureManifest(string path, JsonElement root)
    {
        Path = path;
        this.root = root;
    }

    public string Path { get; }

    /// <summary>The set's name, <c>set</c> (e.g. <c>dit_t2v_tiny</c>).</summary>
    public string Set => Text(root, "set");

    public static FixtureManifest Read(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        return new FixtureManifest(path, document.RootElement.Clone());
    }

    /// <summary>A top-level section, e.g. <c>config</c>, <c>schedules</c>, <c>sla_gpu</c>.</summary>
    public JsonElement Section(string name) => Property(root, name);

    /// <summary>A value of the set's <c>config</c>.</summary>
    public JsonElement Setting(string key) => Property(Section("config"), key);

    /// <summary>A whole number of the set's <c>config</c>: a size, a count.</summary>
    public int Size(string key) => Setting(key).GetInt32();

    public double Number(string key) => Setting(key).GetDouble();

    public bool Flag(string key) => Setting(key).GetBoolean();

    public string Text(string key) => Text(Section("config"), key);

    public int[] Sizes(string key) => [.. Setting(key).EnumerateArray().Select(e => e.GetInt32())];

    public long[] Dimensions(string key) => [.. Setting(key).EnumerateArray().Select(e => e.GetInt64())];

    public double[] Numbers(string key) => [.. Setting(key).EnumerateArray().Select(e => e.GetDouble())];

    /// <summary>The shape the manifest records for <paramref name="tensor"/> of <paramref name="file"/>.</summary>
    public long[] Shape(string file, string tensor) =>
        [.. Property(Property(Property(Section("tensors"), file), tensor), "shape").EnumerateArray().Select(e => e.GetInt64())];

    /// <summary>A statistic the manifest records for a tensor: <c>min</c>, <c>max</c>, <c>mean</c>, ...</summary>
    public double Statistic(string file, string tensor, string statistic) =>
        Property(Property(Property(Section("tensors"), file), tensor), statistic).GetDouble();

    /// <summary>
    /// The bound stated under <c>tolerance[key]</c> (<see cref="Fixtures.Tolerance.Parse"/>). A key may leave out the remarks
    /// in parentheses its manifest entry carries, which can hold settings of the run ("SLA (topk 0.5) bf16 ..." is found as
    /// "SLA bf16 ..."); it must then name one entry.
    /// </summary>
    public Tolerance Tolerance(string key, string? kind = null)
    {
        var entries = Section("tolerance").EnumerateObject().ToList();
        var entry = entries.Where(e => e.Name == key).Concat(entries.Where(e => WithoutRemarks(e.Name) == WithoutRemarks(key))).Take(2).ToList() switch
        {
            [var exact, ..] when exact.Name == key => exact,
            [var only] => only,
            var found => throw new KeyNotFoundException(
                $"{Path}: {(found.Count == 0 ? "no" : "more than one")} tolerance entry matches '{key}' (entries: {string.Join("; ", entries.Select(e => e.Name))})"),
        };
        var text = entry.Value.GetString() ?? throw new InvalidOperationException($"{Path}: tolerance '{entry.Name}' is not a string");
        try
        {
            return Fixtures.Tolerance.Parse(text, kind);
        }
        catch (FormatException e)
        {
            throw new InvalidOperationException($"{Path}: tolerance '{entry.Name}': {e.Message}", e);
        }
    }

    private JsonElement Property(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value)
            ? value
            : throw new KeyNotFoundException($"{Path} has no '{name}' where the tests read it");

    private string Text(JsonElement element, string name) =>
        Property(element, name).GetString() ?? throw new InvalidOperationException($"{Path}: '{name}' is not a string");

    private static string WithoutRemarks(string key) => WhiteSpace().Replace(Remark().Replace(key, " "), " ").Trim();

    [GeneratedRegex(@"\([^)]*\)")]
    private static partial Regex Remark();

    [GeneratedRegex(@"\s+")]
    private static partial Regex WhiteSpace();
}
