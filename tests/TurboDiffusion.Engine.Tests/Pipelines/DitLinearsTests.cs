using TurboDiffusion.Engine.Checkpoints;
using TurboDiffusion.Engine.Models.Wan;
using TurboDiffusion.Engine.Pipelines;
using TurboDiffusion.Engine.Tests.Fixtures;
using TurboDiffusion.Engine.Tests.Models.Wan;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Pipelines;

/// <summary>The DiT's block linears as the pipelines choose them at load, on dit_t2v_tiny's turbo.pth and turbo-quant.pth.</summary>
public sealed class DitLinearsTests(ITestOutputHelper output)
{
    private const string W8A8Tolerance = "W8A8 implementation vs out_w8a8_gpu or out_w8a8_sim_fp64";
    private static readonly DitAttentionOptions Dense = new(DitAttentionMode.Dense);

    [Theory]
    [InlineData(DitLinears.Auto, WanCheckpointLayout.TurboQuantized, DitLinears.Int8)]
    [InlineData(DitLinears.Auto, WanCheckpointLayout.Turbo, DitLinears.Bf16)]
    [InlineData(DitLinears.Auto, WanCheckpointLayout.OfficialWan, DitLinears.Bf16)]
    [InlineData(DitLinears.Int8, WanCheckpointLayout.Turbo, DitLinears.Int8)]
    [InlineData(DitLinears.Bf16, WanCheckpointLayout.TurboQuantized, DitLinears.Bf16)]
    public void Auto_picks_int8_for_quant_checkpoints_and_bf16_otherwise_and_a_choice_stands(DitLinears asked, WanCheckpointLayout layout, DitLinears expected)
    {
        Assert.Equal(expected, DitLinearsChoice.Resolve(asked, layout));
    }

    [Fact]
    public void Auto_loads_a_quant_checkpoint_with_int8_block_linears_and_says_so()
    {
        using var fixture = WanFixture.T2V();

        using var model = VideoPipelineLoader.LoadDit(fixture.Golden.PathOf("turbo-quant.pth"), CPU, Dense);

        Assert.Same(WanPrecision.W8A8, model.Precision);
        Assert.Equal(Int8Layers(fixture), Int8Declarations(model));
        Assert.Equal("int8 (W8A8, the -quant checkpoint's int8 weights)", DitLinearsChoice.Describe(DitLinears.Int8, WanCheckpointLayout.TurboQuantized));
    }

    [Fact]
    public void Bf16_dequantizes_a_quant_checkpoint_as_before()
    {
        using var fixture = WanFixture.T2V();

        using var model = VideoPipelineLoader.LoadDit(fixture.Golden.PathOf("turbo-quant.pth"), CPU, Dense, DitLinears.Bf16);

        Assert.Same(EnginePrecision.For(CPU).Dit, model.Precision);
        Assert.Empty(Int8Declarations(model));
    }

    [Fact]
    public void Int8_on_a_bf16_checkpoint_quantizes_at_load_to_what_the_quant_checkpoint_runs()
    {
        using var fixture = WanFixture.T2V();
        using var quantizedAtLoad = VideoPipelineLoader.LoadDit(fixture.Golden.PathOf("turbo.pth"), CPU, Dense, DitLinears.Int8);
        using var stored = VideoPipelineLoader.LoadDit(fixture.Golden.PathOf("turbo-quant.pth"), CPU, Dense, DitLinears.Int8);
        using var x = fixture.X.to(ScalarType.BFloat16);
        using var prompt = fixture.Context.to(ScalarType.BFloat16);
        using var outputs = fixture.Golden.Tensors("outputs.safetensors");
        using var expected = outputs.Load("out_w8a8_gpu");

        using var atLoadContext = quantizedAtLoad.PrepareContext(prompt);
        using var storedContext = stored.PrepareContext(prompt);
        using var atLoad = quantizedAtLoad.Forward(x, fixture.Timestep, atLoadContext);
        using var fromFile = stored.Forward(x, fixture.Timestep, storedContext);

        Assert.Same(WanPrecision.W8A8, quantizedAtLoad.Precision);
        Assert.Equal(Int8Layers(fixture), Int8Declarations(quantizedAtLoad));
        TensorAssert.Identical(atLoad, fromFile, "int8 quantized at load vs the -quant checkpoint");
        var difference = TensorAssert.Close(atLoad, expected, fixture.Golden.Tolerance(W8A8Tolerance), "int8 quantized at load vs out_w8a8_gpu");
        output.WriteLine($"max_abs {difference.MaxAbs:E2}, rel_l2 {difference.RelL2:E2}");
    }

    private static HashSet<string> Int8Layers(WanFixture fixture) =>
        [.. fixture.Golden.Manifest.Section("turbo_quant_pth_keys").EnumerateObject().Select(k => k.Name).Where(n => n.EndsWith(".int8_weight", StringComparison.Ordinal))];

    private static HashSet<string> Int8Declarations(WanModel model) =>
        [.. model.Weights.Declarations.Where(d => d.Type == ScalarType.Int8).Select(d => d.Key)];
}
