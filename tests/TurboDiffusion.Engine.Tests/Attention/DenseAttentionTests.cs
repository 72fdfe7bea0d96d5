using TurboDiffusion.Engine.Attention;
using TurboDiffusion.Engine.Models.Wan;
using TurboDiffusion.Engine.Runtime;
using TurboDiffusion.Engine.Tests.Fixtures;
using TurboDiffusion.Engine.Tests.Models.Wan;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Attention;

public sealed class DenseAttentionTests
{
    public DenseAttentionTests() => TorchRuntime.EnsureLoaded();

    [Fact]
    public void Float64_dense_attention_is_the_exact_softmax_formula_per_batch_and_head()
    {
        using var generator = new Generator(17, CPU);
        using var q = randn(new long[] { 2, 5, 3, 8 }, ScalarType.Float64, generator: generator);
        using var k = randn(new long[] { 2, 7, 3, 8 }, ScalarType.Float64, generator: generator);
        using var v = randn(new long[] { 2, 7, 3, 8 }, ScalarType.Float64, generator: generator);

        using var o = DenseAttention.Instance.Forward(q, k, v);
        using var expected = Explicit(q, k, v);

        Assert.Equal(new long[] { 2, 5, 3, 8 }, o.shape);
        // Both sides are float64 and differ only in summation order: a few ulps of O(1) values.
        Assert.True(TensorAssert.Compare(o, expected).MaxAbs <= 1e-12);
    }

    [Fact]
    public void Mismatched_heads_are_rejected_with_the_shapes()
    {
        using var q = zeros(1, 4, 2, 8);
        using var kv = zeros(1, 4, 3, 8);

        var error = Assert.Throws<ArgumentException>(() => DenseAttention.Instance.Forward(q, kv, kv));

        Assert.Contains("q [1, 4, 2, 8], k [1, 4, 3, 8]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_self_attention_kernel_chosen_at_load_serves_every_block_and_only_self_attention()
    {
        using var fixture = WanFixture.T2V();
        var kernels = new List<RecordingAttention>();
        using var model = WanModel.Load(fixture.Weights, fixture.Config, WanPrecision.Fp32, selfAttention: block =>
        {
            var kernel = new RecordingAttention(block);
            kernels.Add(kernel);
            return kernel;
        });

        using var context = model.PrepareContext(fixture.Context);
        using var velocity = model.Forward(fixture.X, fixture.Timestep, context);

        var (config, x) = (fixture.Config, fixture.X);
        var tokens = x.shape[2] / config.PatchSize.T * (x.shape[3] / config.PatchSize.H) * (x.shape[4] / config.PatchSize.W);
        Assert.Equal(Enumerable.Range(0, config.NumLayers), kernels.Select(k => k.Block));
        Assert.All(kernels, k => Assert.Equal(new long[] { x.shape[0], tokens, config.NumHeads, config.HeadDim }, Assert.Single(k.QueryShapes)));
        Assert.Equal(kernels, model.SelfAttention);
        TensorAssert.Close(velocity, fixture.OutFp64, fixture.Golden.Tolerance("float32 implementation vs out_fp64"), "fp32 through a plugged kernel");
    }

    // softmax(q kᵀ / √D) v with heads moved first: [B, H, Lq, D].
    private static Tensor Explicit(Tensor q, Tensor k, Tensor v)
    {
        using var scope = NewDisposeScope();
        var (qh, kh, vh) = (q.permute(0, 2, 1, 3), k.permute(0, 2, 1, 3), v.permute(0, 2, 1, 3));
        var weights = (qh.matmul(kh.transpose(-2, -1)) / Math.Sqrt(q.shape[3])).softmax(-1);
        return weights.matmul(vh).permute(0, 2, 1, 3).MoveToOuterDisposeScope();
    }

    private sealed class RecordingAttention(int block) : IAttention
    {
        public int Block { get; } = block;

        public List<long[]> QueryShapes { get; } = [];

        public string Name => "recording";

        public Tensor Forward(Tensor q, Tensor k, Tensor v)
        {
            QueryShapes.Add(q.shape);
            return DenseAttention.Instance.Forward(q, k, v);
        }
    }
}
