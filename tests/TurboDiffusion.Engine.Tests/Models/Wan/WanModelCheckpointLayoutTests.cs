using TurboDiffusion.Engine.Checkpoints;
using TurboDiffusion.Engine.Models.Wan;
using TurboDiffusion.Engine.Tests.Fixtures;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Models.Wan;

/// <summary>The DiT loaded from the TurboDiffusion checkpoint layouts through the key mapping, not only from official names.</summary>
public sealed class WanModelCheckpointLayoutTests(ITestOutputHelper output)
{
    private const string Float64Tolerance = "float64 implementation vs out_fp64";
    private const string W8A8Tolerance = "W8A8 implementation vs out_w8a8_gpu or out_w8a8_sim_fp64";
    private const string Int8Suffix = ".int8_weight";

    // The block linears TurboDiffusion runs as W8A8: self and cross q/k/v/o, ffn.0, ffn.2.
    private static readonly string[] W8A8Linears =
        ["self_attn.q", "self_attn.k", "self_attn.v", "self_attn.o", "cross_attn.q", "cross_attn.k", "cross_attn.v", "cross_attn.o", "ffn.0", "ffn.2"];

    [Fact]
    public void Dit_t2v_tiny_from_turbo_pth_in_float64_matches_out_fp64()
    {
        using var fixture = WanFixture.T2V();
        using var checkpoint = WanCheckpoint.Open(fixture.Golden.PathOf("turbo.pth"));

        using var velocity = Run(fixture, checkpoint);

        Assert.Equal(WanCheckpointLayout.Turbo, checkpoint.Layout);
        Check(velocity, fixture.OutFp64, fixture.Golden.Tolerance(Float64Tolerance), "turbo.pth fp64 vs out_fp64");
    }

    [Fact]
    public void Dit_t2v_tiny_from_turbo_quant_pth_dequantized_in_float64_matches_out_dequant_fp64()
    {
        using var fixture = WanFixture.T2V();
        using var checkpoint = WanCheckpoint.Open(fixture.Golden.PathOf("turbo-quant.pth"));
        using var outputs = fixture.Golden.Tensors("outputs.safetensors");
        using var expected = outputs.Load("out_dequant_fp64");

        using var velocity = Run(fixture, checkpoint);

        Assert.Equal(WanCheckpointLayout.TurboQuantized, checkpoint.Layout);
        Check(velocity, expected, fixture.Golden.Tolerance(Float64Tolerance), "turbo-quant.pth dequantized fp64 vs out_dequant_fp64");
    }

    [Theory]
    [InlineData("out_w8a8_sim_fp64")]
    [InlineData("out_w8a8_gpu")]
    public void Dit_t2v_tiny_from_turbo_quant_pth_with_int8_linears_matches_the_w8a8_references(string reference)
    {
        using var fixture = WanFixture.T2V();
        using var checkpoint = WanCheckpoint.Open(fixture.Golden.PathOf("turbo-quant.pth"));
        using var outputs = fixture.Golden.Tensors("outputs.safetensors");
        using var expected = outputs.Load(reference);
        using var model = WanModel.Load(checkpoint, fixture.Config, WanPrecision.W8A8);
        using var x = fixture.X.to(ScalarType.BFloat16);
        using var prompt = fixture.Context.to(ScalarType.BFloat16);

        using var context = model.PrepareContext(prompt);
        using var velocity = model.Forward(x, fixture.Timestep, context);

        Check(velocity, expected, fixture.Golden.Tolerance(W8A8Tolerance), $"turbo-quant.pth W8A8 CPU vs {reference}");
    }

    [Fact]
    public void W8A8_reads_int8_weights_for_the_block_linears_only()
    {
        using var fixture = WanFixture.T2V();
        using var checkpoint = WanCheckpoint.Open(fixture.Golden.PathOf("turbo-quant.pth"));

        using var model = WanModel.Load(checkpoint, fixture.Config, WanPrecision.W8A8);

        var int8 = model.Weights.Declarations.Where(d => d.Type == ScalarType.Int8).Select(d => d.Key).ToHashSet();
        var expected = Enumerable.Range(0, fixture.Config.NumLayers).SelectMany(i => W8A8Linears.Select(l => $"blocks.{i}.{l}{Int8Suffix}")).ToHashSet();
        Assert.Equal(expected, int8);
        Assert.Subset(checkpoint.QuantizedLayers.Select(l => l + Int8Suffix).ToHashSet(), int8);
    }

    [Fact]
    public void W8A8_from_a_checkpoint_without_int8_weights_fails_naming_the_first_one()
    {
        using var fixture = WanFixture.T2V();
        using var checkpoint = WanCheckpoint.Open(fixture.Golden.PathOf("turbo.pth"));

        var error = Assert.Throws<CheckpointException>(() => WanModel.Load(checkpoint, fixture.Config, WanPrecision.W8A8));

        Assert.Contains($"blocks.0.{W8A8Linears[0]}{Int8Suffix}", error.Message, StringComparison.Ordinal);
        Assert.Contains("Int8", error.Message, StringComparison.Ordinal);
    }

    private static Tensor Run(WanFixture fixture, ITensorReader weights)
    {
        using var model = WanModel.Load(weights, fixture.Config, WanPrecision.Fp64);
        using var context = model.PrepareContext(fixture.Context);
        return model.Forward(fixture.X, fixture.Timestep, context);
    }

    private void Check(Tensor actual, Tensor expected, Tolerance tolerance, string what)
    {
        var difference = TensorAssert.Close(actual, expected, tolerance, what);
        output.WriteLine($"{what}: max_abs {difference.MaxAbs:E2}, rel_l2 {difference.RelL2:E2}");
    }
}
