namespace TurboDiffusion.Engine.Tests.Fixtures;

public sealed class FixtureManifestTests : IDisposable
{
    private readonly ScratchDirectory scratch = new();

    [Fact]
    public void A_tolerance_key_may_leave_out_the_remarks_of_its_entry()
    {
        var manifest = Write("""{"tolerance": {"SLA (topk 0.3) bf16 implementation vs out": "rel_l2 <= 1e-2"}}""");

        var tolerance = manifest.Tolerance("SLA bf16 implementation vs out");

        Assert.Equal(1e-2, tolerance.RelL2);
    }

    [Fact]
    public void An_exact_key_wins_over_entries_that_differ_only_in_remarks()
    {
        var manifest = Write("""{"tolerance": {"float64 (valid rows)": "max_abs <= 1e-10", "float64": "max_abs <= 1e-9"}}""");

        Assert.Equal(1e-9, manifest.Tolerance("float64").MaxAbs);
        Assert.Equal(1e-10, manifest.Tolerance("float64 (valid rows)").MaxAbs);
    }

    [Fact]
    public void A_key_that_names_no_entry_or_several_is_refused_listing_the_entries()
    {
        var manifest = Write("""{"tolerance": {"a (x)": "exact", "a (y)": "exact"}}""");

        var several = Assert.Throws<KeyNotFoundException>(() => manifest.Tolerance("a"));
        var none = Assert.Throws<KeyNotFoundException>(() => manifest.Tolerance("b"));

        Assert.Contains("more than one tolerance entry matches 'a' (entries: a (x); a (y))", several.Message, StringComparison.Ordinal);
        Assert.Contains("no tolerance entry matches 'b'", none.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_setting_the_manifest_lacks_is_refused_naming_the_file_and_the_key()
    {
        var manifest = Write("""{"config": {"dim": 64}}""");

        var error = Assert.Throws<KeyNotFoundException>(() => manifest.Size("heads"));

        Assert.Equal(64, manifest.Size("dim"));
        Assert.Contains($"{manifest.Path} has no 'heads'", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => scratch.Dispose();

    private FixtureManifest Write(string json)
    {
        var path = scratch.File("fixture.json");
        File.WriteAllText(path, json);
        return FixtureManifest.Read(path);
    }
}
