using System.IO.Compression;
using System.Text.Json;
using TurboDiffusion.Engine.Checkpoints;
using TurboDiffusion.Engine.Tests.Fixtures;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Checkpoints;

public sealed class PthFileTests
{
    [Theory]
    [InlineData("turbo.pth", "turbo_pth_keys")]
    [InlineData("turbo-quant.pth", "turbo_quant_pth_keys")]
    public void Turbo_checkpoints_list_the_keys_dtypes_and_shapes_the_fixture_records(string file, string manifestKey)
    {
        var fixture = GoldenFixture.Open("dit_t2v_tiny");
        var recorded = fixture.Manifest.Section(manifestKey).EnumerateObject().ToList();

        using var pth = PthFile.Open(fixture.PathOf(file));

        Assert.Equal(recorded.Select(k => k.Name), pth.Names);
        foreach (var key in recorded)
        {
            var info = pth.Info(key.Name);
            Assert.Equal(key.Value[0].GetString(), TorchName(info.Type));
            Assert.Equal(key.Value[1].EnumerateArray().Select(d => d.GetInt64()), info.Shape);
        }
    }

    [Theory]
    [InlineData("umt5_tiny", "umt5.pth", "umt5.safetensors", true)]
    [InlineData("vae_tiny", "vae.pth", "vae.safetensors", true)]
    [InlineData("dit_t2v_tiny", "turbo.pth", "sla_proj_l.safetensors", false)]
    public void Pth_tensors_equal_their_safetensors_copies(string set, string pthFile, string safetensorsFile, bool copyHoldsEveryTensor)
    {
        var fixture = GoldenFixture.Open(set);
        using var copy = fixture.Tensors(safetensorsFile);
        using var scope = NewDisposeScope();

        using var pth = PthFile.Open(fixture.PathOf(pthFile));

        Assert.Subset(pth.Names.ToHashSet(), copy.Names.ToHashSet());
        Assert.Equal(copyHoldsEveryTensor, pth.Names.Count == copy.Names.Count);
        foreach (var name in copy.Names)
        {
            var loaded = pth.Load(name);
            Assert.Equal(pth.Info(name).Type, loaded.dtype);
            TensorAssert.Identical(loaded, copy.Load(name), $"{pthFile} {name}");
        }
    }

    [Fact]
    public void Load_converts_to_the_requested_dtype()
    {
        var fixture = GoldenFixture.Open("umt5_tiny");
        using var pth = PthFile.Open(fixture.PathOf("umt5.pth"));
        using var copy = fixture.Tensors("umt5.safetensors");

        using var loaded = pth.Load("norm.weight", ScalarType.Float64, CPU);
        using var expected = copy.Load("norm.weight");

        Assert.Equal(ScalarType.Float64, loaded.dtype);
        TensorAssert.Identical(loaded, expected, "norm.weight");
    }

    private static string TorchName(ScalarType type) => type switch
    {
        ScalarType.BFloat16 => "bfloat16",
        ScalarType.Float32 => "float32",
        ScalarType.Int8 => "int8",
        _ => type.ToString(),
    };
}
