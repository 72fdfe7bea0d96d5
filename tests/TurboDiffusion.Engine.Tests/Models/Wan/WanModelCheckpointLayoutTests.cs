using TurboDiffusion.Engine.Checkpoints;
using TurboDiffusion.Engine.Models.Wan;
using TurboDiffusion.Engine.Tests.Fixtures;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Models.Wan;

/// <summary>The DiT loaded from the TurboDiffusion checkpoint layouts through the key mapping, not only from official names.</summary>
public sealed class WanModelCheckpointLayoutTests(ITestOutputHelper output)
{
    private const string Float64Tolerance = "float64 implementation vs out_fp64";

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
