using TurboDiffusion.Engine.Models.Wan;
using TurboDiffusion.Engine.Models.Weights;
using TurboDiffusion.Engine.Tests.Fixtures;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.GpuTests.Models.Wan;

/// <summary>
/// Each fused elementwise kernel against the TorchSharp reference op on CUDA, at the 1.3B and 14B widths, 3,120 tokens
/// (5 frames at 480p) and one or two batches, each batch with its own modulation.
/// </summary>
public sealed class FusedWanBlockOpsCudaTests(ITestOutputHelper output)
{
    // Both paths round to bf16 at the same points, from fp32 values that differ only in reduction order (a few fp32
    // ulps of the mean and variance): an output differs, by one bf16 ulp (2^-8 relative), only where its value sits
    // within those few fp32 ulps of a rounding tie. That keeps rel_l2 orders below 1e-3.
    private const double Bf16Bound = 1e-3;

    // The residual rounds the same two fp32 operations as torch (product, then sum); only flushed denormals could differ.
    private const double Fp32Bound = 1e-6;

    private static readonly WanGrid Grid = new(2, 30, 52);

    [Theory]
    [InlineData(1536, 1)]
    [InlineData(1536, 2)]
    [InlineData(5120, 1)]
    [InlineData(5120, 2)]
    public void Layer_norm_with_modulation_matches_the_reference(int dim, int batch)
    {
        CudaDevice.RequireNativeKernels();
        using var scope = NewDisposeScope();
        var norm = WanLayerNorm.Plain(dim, ConfigOf(dim).Eps, ScalarType.Float32);
        var x = Stream(batch, dim);
        var m = Modulation(batch, dim).chunk(6, 1);

        var fused = FusedWanBlockOps.Instance.LayerNormModulate(norm, x, m[0], m[1]);
        var reference = ReferenceWanBlockOps.Instance.LayerNormModulate(norm, x, m[0], m[1]).to(ScalarType.BFloat16);

        Assert.Equal(ScalarType.BFloat16, fused.dtype);
        Check(fused, reference, Bf16Bound, $"layer norm + modulation D{dim} B{batch}");
    }

    [Theory]
    [InlineData(1536)]
    [InlineData(5120)]
    public void Affine_layer_norm_matches_the_reference(int dim)
    {
        CudaDevice.RequireNativeKernels();
        using var scope = NewDisposeScope();
        var config = ConfigOf(dim);
        using var weights = new RandomWanWeights(config, seed: 3, ScalarType.Float32, CUDA);
        using var owner = new WeightSet();
        var norm3 = WanLayerNorm.LoadAffine(new WeightLoader(new CheckpointWeightSource(weights, CUDA), owner).Scope("blocks.0"), "norm3", dim, config.Eps, ScalarType.Float32);
        var x = Stream(2, dim);

        var fused = FusedWanBlockOps.Instance.LayerNormModulate(norm3, x);
        var reference = ReferenceWanBlockOps.Instance.LayerNormModulate(norm3, x).to(ScalarType.BFloat16);

        Check(fused, reference, Bf16Bound, $"affine layer norm (norm3) D{dim}");
    }

    [Theory]
    [InlineData(1536, 1, true)]
    [InlineData(1536, 2, true)]
    [InlineData(5120, 1, true)]
    [InlineData(5120, 2, true)]
    [InlineData(1536, 2, false)]
    [InlineData(5120, 1, false)]
    public void Rms_norm_with_and_without_rope_matches_the_reference(int dim, int batch, bool rotate)
    {
        CudaDevice.RequireNativeKernels();
        using var scope = NewDisposeScope();
        var config = ConfigOf(dim);
        using var weights = new RandomWanWeights(config, seed: 4, ScalarType.Float32, CUDA);
        using var owner = new WeightSet();
        var norm = WanRmsNorm.Load(new WeightLoader(new CheckpointWeightSource(weights, CUDA), owner).Scope("blocks.0.self_attn"), "norm_q", dim, config.Eps, ScalarType.Float32);
        using var rope = rotate ? new Rope3d(config.HeadDim).Table(Grid, CUDA, ScalarType.Float32) : null;
        using var generator = new Generator(5);
        var x = (3 * randn([batch, Grid.Tokens, dim], generator: generator)).to(ScalarType.BFloat16, CUDA);

        var fused = FusedWanBlockOps.Instance.RmsNormRope(norm, x, config.NumHeads, rope);
        var reference = ReferenceWanBlockOps.Instance.RmsNormRope(norm, x, config.NumHeads, rope);

        Assert.Equal(reference.shape, fused.shape);
        Check(fused, reference, Bf16Bound, $"rms norm{(rotate ? " + rope" : "")} D{dim} B{batch}");
    }

    [Theory]
    [InlineData(1536, 1, true)]
    [InlineData(1536, 2, true)]
    [InlineData(5120, 2, true)]
    [InlineData(1536, 2, false)]
    public void Residual_add_matches_the_reference(int dim, int batch, bool gated)
    {
        CudaDevice.RequireNativeKernels();
        using var scope = NewDisposeScope();
        using var generator = new Generator(6);
        var x = Stream(batch, dim);
        var y = randn([batch, Grid.Tokens, dim], generator: generator).to(ScalarType.BFloat16, CUDA);
        var gate = gated ? Modulation(batch, dim).chunk(6, 1)[2] : null;

        var (fused, reference) = (x.clone(), x.clone());
        FusedWanBlockOps.Instance.GatedResidualInPlace(fused, y, gate);
        ReferenceWanBlockOps.Instance.GatedResidualInPlace(reference, y, gate);

        Assert.Equal(ScalarType.Float32, fused.dtype);
        Check(fused, reference, Fp32Bound, $"{(gated ? "gated " : "")}residual D{dim} B{batch}");
        // A run of rows of one batch, as the chunked feed-forward updates it: the rows around it stay as they were.
        var stream = x.clone();
        var rows = stream.narrow(0, batch - 1, 1).narrow(1, 5, Grid.Tokens - 9);
        FusedWanBlockOps.Instance.GatedResidualInPlace(rows, y.narrow(0, batch - 1, 1).narrow(1, 5, Grid.Tokens - 9), gate?.narrow(0, gate.shape[0] - 1, 1));
        Check(rows, reference.narrow(0, batch - 1, 1).narrow(1, 5, Grid.Tokens - 9), Fp32Bound, $"residual on a run of rows D{dim} B{batch}");
        Assert.True(stream.narrow(1, 0, 5).equal(x.narrow(1, 0, 5)).all().item<bool>(), "rows before the run changed");
    }

    private static WanConfig ConfigOf(int dim) => dim == WanConfig.Wan21T2V14B.Dim ? WanConfig.Wan21T2V14B : WanConfig.Wan21T2V1Point3B;

    // The residual stream: O(1) values around a per-token offset, fp32 on CUDA.
    private static Tensor Stream(int batch, int dim)
    {
        using var generator = new Generator(1);
        var values = 2 * randn([batch, Grid.Tokens, dim], generator: generator) + 3 * randn([batch, Grid.Tokens, 1], generator: generator);
        return values.to(CUDA);
    }

    // modulation + e0 [B, 6, D], a different e0 per batch, contiguous as the block makes it.
    private static Tensor Modulation(int batch, int dim)
    {
        using var generator = new Generator(2);
        var table = randn([1, 6, dim], generator: generator) / Math.Sqrt(dim);
        var e0 = 0.5 * randn([batch, 6, dim], generator: generator);
        return (table + e0).to(CUDA);
    }

    private void Check(Tensor fused, Tensor reference, double bound, string what)
    {
        var difference = TensorAssert.Compare(fused, reference);
        output.WriteLine($"{what}: fused vs reference max_abs {difference.MaxAbs:E2}, rel_l2 {difference.RelL2:E2}");
        Assert.True(
            difference.RelL2 <= bound,
            $"{what}: rel_l2 {difference.RelL2:E2} over {bound:E0}, max_abs {difference.MaxAbs:E2} (worst at {difference.WorstIndex}: {difference.Actual:R} vs {difference.Expected:R})");
    }
}
