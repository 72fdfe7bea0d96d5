using TurboDiffusion.Engine.Attention;
using TurboDiffusion.Engine.Checkpoints;
using TurboDiffusion.Engine.Models.Wan;
using TurboDiffusion.Engine.Pipelines;
using TurboDiffusion.Engine.Runtime;
using TurboDiffusion.Engine.Tests.Fixtures;
using TurboDiffusion.Engine.Tests.Models.Wan;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.GpuTests.Pipelines;

/// <summary>dit_t2v_tiny's turbo.pth loaded as the pipelines load it on a GPU: SLA and SageSLA on the native kernels.</summary>
public sealed class DitAttentionCudaTests(ITestOutputHelper output)
{
    // The manifest's key carries the run's top-k in parentheses; the lookup leaves such remarks out.
    private const string SlaBf16Tolerance = "SLA bf16 implementation vs out_sla_fp64";

    [Fact]
    public void Forced_sla_runs_the_turbo_pth_on_the_native_kernels_and_matches_out_sla_fp64()
    {
        CudaDevice.RequireNativeKernels();
        using var fixture = WanFixture.T2V();
        var run = fixture.Golden.Manifest.DitSlaOptions();

        using var model = VideoPipelineLoader.LoadDit(
            fixture.Golden.PathOf("turbo.pth"), CUDA, new DitAttentionOptions(DitAttentionMode.Sla, run.Ratio, run.QueryBlock, run.KeyBlock));
        using var velocity = Forward(model, fixture);

        Assert.All(model.SelfAttention, attention =>
        {
            var sla = Assert.IsType<SlaAttention>(attention);
            Assert.Equal(("native", "native"), (sla.SparseBranch, sla.LinearBranch));
            Assert.Equal(run, sla.Options);
        });
        Assert.Equal($"sla (top-k {run.Ratio}, blocks {run.QueryBlock}/{run.KeyBlock}; sparse branch native, linear branch native)", DitAttention.Describe(model));
        using var outputs = fixture.Golden.Tensors("outputs.safetensors");
        using var expected = outputs.Load("out_sla_fp64");
        var difference = TensorAssert.Close(velocity, expected, fixture.Golden.Tolerance(SlaBf16Tolerance), "pipeline DiT, sla, bf16 CUDA vs out_sla_fp64");
        output.WriteLine($"sla bf16 CUDA vs out_sla_fp64: max_abs {difference.MaxAbs:E2}, rel_l2 {difference.RelL2:E2}");
    }

    [Fact]
    public void Auto_runs_the_turbo_pth_with_sagesla_and_stays_near_native_sla_on_the_same_blocks()
    {
        CudaDevice.RequireNativeKernels();
        var capability = CudaDevices.Capability(0);
        Assert.True(capability.AtLeast(ComputeCapability.Fp8), $"SageSLA needs compute capability {ComputeCapability.Fp8}+; this GPU has {capability}: run the suite on an Ada or Hopper card.");
        using var fixture = WanFixture.T2V();
        var path = fixture.Golden.PathOf("turbo.pth");

        using var sageSla = VideoPipelineLoader.LoadDit(path, CUDA, new DitAttentionOptions(topK: fixture.Golden.Manifest.DitSlaOptions().Ratio));
        var tiles = Assert.IsType<SlaAttention>(sageSla.SelfAttention[0]).Options;
        using var checkpoint = WanCheckpoint.Open(path);
        var plan = KernelPlan.SparseLinear(tiles, fixture.Config, WanPrecision.Bf16, CUDA);
        using var sla = WanModel.Load(checkpoint, fixture.Config, WanPrecision.Bf16, CUDA, DitAttention.SelfAttention(plan, checkpoint, WanPrecision.Bf16, CUDA), plan);
        using var quantized = Forward(sageSla, fixture);
        using var unquantized = Forward(sla, fixture);

        var kernelTiles = capability.Major == 9 ? SlaOptions.Hopper() : SlaOptions.Default;
        Assert.Equal((kernelTiles.QueryBlock, kernelTiles.KeyBlock), (tiles.QueryBlock, tiles.KeyBlock));
        Assert.All(sageSla.SelfAttention, attention => Assert.Equal("sagesla", Assert.IsType<SlaAttention>(attention).SparseBranch));
        Assert.Equal($"sagesla (top-k {tiles.Ratio}, blocks {tiles.QueryBlock}/{tiles.KeyBlock}; linear branch native)", DitAttention.Describe(sageSla));
        var difference = TensorAssert.Compare(quantized, unquantized);
        output.WriteLine($"sagesla vs native sla, blocks {tiles.QueryBlock}/{tiles.KeyBlock}, on {capability}: max_abs {difference.MaxAbs:E2}, rel_l2 {difference.RelL2:E2}");
        Assert.True(
            difference.RelL2 <= 2e-2,
            $"sagesla vs sla rel_l2 {difference.RelL2:E2}: both select the same blocks, so only SageSLA's int8 Q/K and fp8 P/V differ; they cost o_s 1.3e-2 " +
            "on the sla_op fixture (docs/gpu.md), and the velocity mixes o_s with the linear branch and the residual stream");
    }

    private static Tensor Forward(WanModel model, WanFixture fixture)
    {
        using var x = fixture.X.to(ScalarType.BFloat16, CUDA);
        using var timestep = fixture.Timestep.to(ScalarType.BFloat16, CUDA);
        using var prompt = fixture.Context.to(ScalarType.BFloat16, CUDA);
        using var context = model.PrepareContext(prompt);
        return model.Forward(x, timestep, context);
    }
}
