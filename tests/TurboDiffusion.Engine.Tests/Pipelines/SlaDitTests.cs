using TurboDiffusion.Engine.Attention;
using TurboDiffusion.Engine.Checkpoints;
using TurboDiffusion.Engine.Models.Wan;
using TurboDiffusion.Engine.Pipelines;
using TurboDiffusion.Engine.Tests.Fixtures;
using TurboDiffusion.Engine.Tests.Models.Wan;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Pipelines;

/// <summary>The tiny T2V DiT with SLA self-attention from turbo.pth against dit_t2v_tiny's SLA outputs and per-block selections.</summary>
public sealed class SlaDitTests(ITestOutputHelper output)
{
    private const string Float64Tolerance = "float64 implementation vs out_fp64";
    // The manifest's key carries the run's top-k in parentheses; the lookup leaves such remarks out.
    private const string SlaBf16Tolerance = "SLA bf16 implementation vs out_sla_fp64";

    [Fact]
    public void Dit_t2v_tiny_with_sla_from_turbo_pth_in_float64_matches_out_sla_fp64_and_its_selections()
    {
        using var fixture = WanFixture.T2V();
        using var checkpoint = WanCheckpoint.Open(fixture.Golden.PathOf("turbo.pth"));

        var (velocity, selections) = Run(fixture, checkpoint, WanPrecision.Fp64, fixture.X, fixture.Context);

        using (velocity)
        using (selections)
        {
            CheckSelections(fixture, selections, "fp64");
            Check(velocity, fixture, fixture.Golden.Tolerance(Float64Tolerance), "SLA DiT fp64 vs out_sla_fp64");
        }
    }

    [Fact]
    public void Dit_t2v_tiny_with_sla_in_bf16_on_the_cpu_matches_out_sla_fp64_with_the_official_selections()
    {
        using var fixture = WanFixture.T2V();
        using var checkpoint = WanCheckpoint.Open(fixture.Golden.PathOf("turbo.pth"));
        using var x = fixture.X.to(ScalarType.BFloat16);
        using var prompt = fixture.Context.to(ScalarType.BFloat16);

        var (velocity, selections) = Run(fixture, checkpoint, WanPrecision.Bf16, x, prompt);

        using (velocity)
        using (selections)
        {
            // The manifest's bf16 bound holds only where the selection matches the official GPU run's.
            CheckSelections(fixture, selections, "gpu");
            Check(velocity, fixture, fixture.Golden.Tolerance(SlaBf16Tolerance), "SLA DiT bf16 CPU vs out_sla_fp64");
        }
    }

    private static (Tensor Velocity, SelectionRecorder Selections) Run(WanFixture fixture, WanCheckpoint checkpoint, WanPrecision precision, Tensor x, Tensor prompt)
    {
        var selections = new SelectionRecorder();
        var plan = KernelPlan.SparseLinear(fixture.Golden.Manifest.DitSlaOptions(), fixture.Config, precision, CPU);
        using var model = WanModel.Load(
            checkpoint, fixture.Config, precision, selfAttention: block => new RecordingSla(block, DitSlaProjection.Load(checkpoint, block, plan, precision.Compute, CPU), selections),
            kernelPlan: plan);
        using var context = model.PrepareContext(prompt);
        return (model.Forward(x, fixture.Timestep, context), selections);
    }

    private static void CheckSelections(WanFixture fixture, SelectionRecorder selections, string run)
    {
        using var intermediates = fixture.Golden.Tensors("intermediates.safetensors");
        Assert.Equal(Enumerable.Range(0, fixture.Config.NumLayers), selections.Blocks);
        foreach (var block in selections.Blocks)
        {
            using var expected = intermediates.Load($"sla_block{block}_lut_sorted_{run}");
            TensorAssert.Identical(selections[block], expected, $"block {block} selection vs sla_block{block}_lut_sorted_{run}");
        }
    }

    private void Check(Tensor velocity, WanFixture fixture, Tolerance tolerance, string what)
    {
        using var outputs = fixture.Golden.Tensors("outputs.safetensors");
        using var expected = outputs.Load("out_sla_fp64");
        var difference = TensorAssert.Close(velocity, expected, tolerance, what);
        output.WriteLine($"{what}: max_abs {difference.MaxAbs:E2}, rel_l2 {difference.RelL2:E2}");
    }

    /// <summary>The lut each block's SLA attended, keyed by block.</summary>
    private sealed class SelectionRecorder : IDisposable
    {
        private readonly SortedDictionary<int, Tensor> luts = [];

        public IEnumerable<int> Blocks => luts.Keys;

        public Tensor this[int block] => luts[block];

        public void Record(int block, Tensor lut)
        {
            Assert.False(luts.ContainsKey(block), $"block {block} ran twice");
            // Recorded inside the block's dispose scope, kept until the test has compared it.
            luts[block] = lut.DetachFromDisposeScope();
        }

        public void Dispose()
        {
            foreach (var lut in luts.Values)
            {
                lut.Dispose();
            }
        }
    }

    private sealed class RecordingSla(int block, SlaAttention sla, SelectionRecorder selections) : IAttention, IDisposable
    {
        public string Name => sla.Name;

        public Tensor Forward(Tensor q, Tensor k, Tensor v)
        {
            selections.Record(block, sla.SelectBlocks(q, k));
            return sla.Forward(q, k, v);
        }

        public void Dispose() => sla.Dispose();
    }
}
