using System.Text.Json;
using TurboDiffusion.Engine.Checkpoints;
using TurboDiffusion.Engine.Tests.Fixtures;
using TurboDiffusion.Engine.Tests.Models.Wan;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Checkpoints;

public sealed class WanCheckpointTests
{
    private readonly GoldenFixture fixture = GoldenFixture.Open(WanFixture.TextToVideoSet);

    [Fact]
    public void Official_safetensors_are_read_as_they_are()
    {
        using var native = fixture.Tensors("wan_native.safetensors");

        using var checkpoint = WanCheckpoint.Open(fixture.PathOf("wan_native.safetensors"));

        Assert.Equal(WanCheckpointLayout.OfficialWan, checkpoint.Layout);
        Assert.Equal(native.Names.Order(), checkpoint.Names.Order());
        Assert.Empty(checkpoint.SlaNames);
        Assert.Empty(checkpoint.QuantizedLayers);
        var config = fixture.Manifest.WanConfig();
        Assert.Equal([config.Dim, config.InDim, config.PatchSize.T, config.PatchSize.H, config.PatchSize.W], checkpoint.Info("patch_embedding.weight").Shape);
    }

    [Fact]
    public void Turbo_pth_gives_the_official_tensors_where_the_fixture_says_they_are_identical()
    {
        var mismatches = fixture.Manifest.Section("turbo_pth_value_mismatches").EnumerateArray().Select(e => e.GetString()).ToHashSet();
        using var native = fixture.Tensors("wan_native.safetensors");
        using var scope = NewDisposeScope();

        using var checkpoint = WanCheckpoint.Open(fixture.PathOf("turbo.pth"));

        Assert.Equal(WanCheckpointLayout.Turbo, checkpoint.Layout);
        Assert.Equal(native.Names.Order(), checkpoint.Names.Order());
        foreach (var name in native.Names.Where(n => !mismatches.Contains(n)))
        {
            Assert.Equal(native.Info(name).Shape, checkpoint.Info(name).Shape);
            TensorAssert.Identical(checkpoint.Load(name, ScalarType.Float32), native.Load(name), name);
        }
    }

    [Fact]
    public void Sla_projections_are_loadable_but_not_among_the_dense_keys()
    {
        using var projections = fixture.Tensors("sla_proj_l.safetensors");
        using var native = fixture.Tensors("wan_native.safetensors");
        using var scope = NewDisposeScope();

        using var checkpoint = WanCheckpoint.Open(fixture.PathOf("turbo.pth"));

        Assert.Equal(projections.Names.Order(), checkpoint.SlaNames.Order());
        Assert.DoesNotContain(checkpoint.Names, n => n.Contains("proj_l", StringComparison.Ordinal));
        Assert.Empty(checkpoint.UnexpectedKeys(native.Names));
        foreach (var name in projections.Names)
        {
            TensorAssert.Identical(checkpoint.Load(name), projections.Load(name), name);
        }
    }

    [Fact]
    public void Quant_pth_equals_turbo_pth_outside_its_int8_layers()
    {
        var recorded = fixture.Manifest.Section("turbo_quant_pth_keys").EnumerateObject()
            .Where(k => k.Name.EndsWith(".int8_weight", StringComparison.Ordinal)).Select(k => k.Name[..^".int8_weight".Length]);
        using var turbo = WanCheckpoint.Open(fixture.PathOf("turbo.pth"));
        using var scope = NewDisposeScope();

        using var quant = WanCheckpoint.Open(fixture.PathOf("turbo-quant.pth"));

        Assert.Equal(WanCheckpointLayout.TurboQuantized, quant.Layout);
        Assert.Equal(recorded, quant.QuantizedLayers);
        Assert.Equal(turbo.Names.Order(), quant.Names.Order());
        Assert.Equal(turbo.SlaNames, quant.SlaNames);
        foreach (var name in turbo.Names.Where(n => !quant.QuantizedLayers.Any(l => n == l + ".weight")))
        {
            TensorAssert.Identical(quant.Load(name), turbo.Load(name), name);
        }
    }

    [Fact]
    public void Dequantized_weights_are_int8_times_the_scale_of_their_tile()
    {
        var tile = KernelReciprocals.Open().Tile;
        using var quant = WanCheckpoint.Open(fixture.PathOf("turbo-quant.pth"));
        using var scope = NewDisposeScope();

        foreach (var layer in quant.QuantizedLayers)
        {
            using var stored = quant.LoadQuantized(layer);
            var dequantized = quant.Load(layer + ".weight", ScalarType.Float64);

            Assert.Equal(ScalarType.Int8, stored.Int8Weight.dtype);
            Assert.Equal(quant.Info(layer + ".weight").Shape, stored.Int8Weight.shape);
            TensorAssert.Identical(dequantized, TileProduct(stored.Int8Weight, stored.Scale, tile), layer);
            TensorAssert.Identical(quant.Load(layer + ".bias"), stored.Bias!, layer + ".bias");
        }
    }

    [Fact]
    public void Quant_pth_holds_the_int8_values_and_scales_of_the_int8_linear_rule()
    {
        var table = KernelReciprocals.Open();
        using var turbo = WanCheckpoint.Open(fixture.PathOf("turbo.pth"));
        using var quant = WanCheckpoint.Open(fixture.PathOf("turbo-quant.pth"));
        using var scope = NewDisposeScope();

        foreach (var layer in quant.QuantizedLayers)
        {
            using var stored = quant.LoadQuantized(layer);
            var (int8, scale) = table.Quantize(turbo.Load(layer + ".weight", ScalarType.Float32));

            TensorAssert.Identical(stored.Scale, scale, layer + ".scale");
            TensorAssert.Identical(stored.Int8Weight, int8, layer + ".int8_weight");
        }
    }

    [Fact]
    public void A_checkpoint_without_a_wan_patch_embedding_is_an_unknown_layout()
    {
        var umt5 = GoldenFixture.Open("umt5_tiny").PathOf("umt5.safetensors");

        var error = Assert.Throws<CheckpointException>(() => WanCheckpoint.Open(umt5));

        Assert.Equal("patch_embedding.weight", error.Key);
        Assert.Contains(umt5, error.Message, StringComparison.Ordinal);
        Assert.Contains("not a Wan DiT layout", error.Message, StringComparison.Ordinal);
        Assert.Contains("found no such key", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Element by element, independent of the tensor ops the reader uses.</summary>
    private static Tensor TileProduct(Tensor int8, Tensor scale, int tile)
    {
        var (rows, columns) = ((int)int8.shape[0], (int)int8.shape[1]);
        var q = int8.data<sbyte>().ToArray();
        var s = scale.data<float>().ToArray();
        var tilesPerRow = (int)scale.shape[1];
        var w = new double[rows * columns];
        for (var i = 0; i < rows; i++)
        {
            for (var j = 0; j < columns; j++)
            {
                w[(i * columns) + j] = q[(i * columns) + j] * (double)s[(i / tile * tilesPerRow) + (j / tile)];
            }
        }

        return tensor(w, [rows, columns], ScalarType.Float64);
    }
}
