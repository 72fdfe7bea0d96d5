using TurboDiffusion.Engine.Tests.Fixtures;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Models.Int8;

/// <summary>The int8_linear set: its tensors by name, its comparisons and the tolerance texts the tests hold to.</summary>
internal sealed class Int8LinearFixture
{
    public const string Set = "int8_linear";
    public const string TensorFile = "int8_linear.safetensors";
    public const string ReciprocalFile = "rcp_table.safetensors";

    private Int8LinearFixture(GoldenFixture golden) => Golden = golden;

    public GoldenFixture Golden { get; }

    public FixtureManifest Manifest => Golden.Manifest;

    public static Int8LinearFixture Open() => new(GoldenFixture.Open(Set));

    /// <summary>A tensor of int8_linear.safetensors, checked against the shape the manifest records for it.</summary>
    public Tensor Load(string name)
    {
        using var file = Golden.Tensors(TensorFile);
        var loaded = file.Load(name);
        Assert.Equal(Manifest.Shape(TensorFile, name), loaded.shape);
        return loaded;
    }

    /// <summary>
    /// Asserts bit-for-bit equality where the manifest's tolerance for <paramref name="key"/> says "exact" (its texts
    /// add remarks after the word, which the tolerance parser does not read).
    /// </summary>
    public void AssertExact(string key, Tensor actual, Tensor expected)
    {
        var text = Manifest.Section("tolerance").GetProperty(key).GetString();
        Assert.StartsWith("exact", text, StringComparison.Ordinal);
        Assert.Equal(expected.dtype, actual.dtype);
        TensorAssert.Identical(actual, expected, key);
    }

    /// <summary>A count the manifest records under <c>comparisons</c>.</summary>
    public int Comparison(string section, string key) => Manifest.Section("comparisons").GetProperty(section).GetProperty(key).GetInt32();
}
