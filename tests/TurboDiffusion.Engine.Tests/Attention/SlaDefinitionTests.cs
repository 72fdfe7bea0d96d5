using TurboDiffusion.Engine.Attention;
using TurboDiffusion.Engine.Runtime;
using TurboDiffusion.Engine.Tests.Fixtures;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Attention;

/// <summary>
/// SLA's pieces against their definitions written out naively (an explicit [Lq, Lk] mask, per-block loops) on
/// random float64 inputs whose lengths leave partial last blocks. Both sides are float64 and differ only in
/// summation order, so they agree to a few ulps of O(1) values.
/// </summary>
public sealed class SlaDefinitionTests
{
    private const double SummationOrder = 1e-12;

    public SlaDefinitionTests() => TorchRuntime.EnsureLoaded();

    [Theory]
    [InlineData(200, 200)]
    [InlineData(150, 200)]
    public void Block_scores_are_dot_products_of_block_means_over_their_real_tokens(long queries, long keys)
    {
        using var scope = NewDisposeScope();
        var (q, k, _) = Inputs(queries, keys);
        var options = new SlaOptions(0.5, 64, 32);

        var scores = SlaBlockSelection.Scores(q.transpose(1, 2), k.transpose(1, 2), options);

        var smoothed = k - k.mean([-2L], keepdim: true);
        var expected = BlockMeans(q, options.QueryBlock).matmul(BlockMeans(smoothed, options.KeyBlock).transpose(-2, -1));
        Assert.True(TensorAssert.Compare(scores, expected).MaxAbs <= SummationOrder);
    }

    [Theory]
    [InlineData(200, 200)]
    [InlineData(150, 200)]
    public void The_sparse_branch_is_softmax_attention_under_the_block_mask_whatever_the_chunking(long queries, long keys)
    {
        using var scope = NewDisposeScope();
        var (q, k, v) = Inputs(queries, keys);
        var options = new SlaOptions(0.5, 64, 32);
        var lut = SlaBlockSelection.Select(q.transpose(1, 2), k.transpose(1, 2), options);

        var whole = SlaSparseBranch.Forward(q, k, v, lut, options);
        var perQueryBlock = SlaSparseBranch.Forward(q, k, v, lut, options, chunkScores: 1);

        var expected = MaskedAttention(q, k, v, BlockMask(lut, queries, keys, options));
        Assert.Equal(3L, lut.shape[3]);
        Assert.True(TensorAssert.Compare(whole, expected).MaxAbs <= SummationOrder);
        Assert.True(TensorAssert.Compare(perQueryBlock, expected).MaxAbs <= SummationOrder);
    }

    [Fact]
    public void With_ratio_one_the_sparse_branch_is_dense_attention()
    {
        using var scope = NewDisposeScope();
        var (q, k, v) = Inputs(200, 200);
        using var attention = new SlaAttention(randn(16, 16, ScalarType.Float64), randn(16, ScalarType.Float64), new SlaOptions(1.0, 64, 32));

        using var parts = attention.ForwardParts(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2));

        var dense = DenseAttention.Instance.Forward(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2));
        TensorAssert.Identical(parts.Lut, arange(7, ScalarType.Int32).expand(2, 3, 4, 7), "every key block selected");
        Assert.True(TensorAssert.Compare(parts.Sparse, dense).MaxAbs <= SummationOrder);
    }

    [Fact]
    public void The_linear_branch_is_the_kernelized_attention_formula_over_all_keys()
    {
        using var scope = NewDisposeScope();
        var (q, k, v) = Inputs(150, 200);

        var linear = SlaLinearBranch.Forward(q, k, v);

        var (phiQ, phiK) = (q.softmax(-1), k.softmax(-1));
        var weights = phiQ.matmul(phiK.transpose(-2, -1));
        var expected = weights.matmul(v) / (weights.sum(-1, keepdim: true) + 1e-5);
        Assert.True(TensorAssert.Compare(linear, expected).MaxAbs <= SummationOrder);
    }

    // q [2, 3, Lq, 16], k and v [2, 3, Lk, 16], float64 from a fixed seed.
    private static (Tensor Q, Tensor K, Tensor V) Inputs(long queries, long keys)
    {
        using var generator = new Generator(29, CPU);
        return (randn([2, 3, queries, 16], ScalarType.Float64, generator: generator),
            randn([2, 3, keys, 16], ScalarType.Float64, generator: generator),
            randn([2, 3, keys, 16], ScalarType.Float64, generator: generator));
    }

    private static Tensor BlockMeans(Tensor x, long block)
    {
        var length = x.shape[2];
        var means = new List<Tensor>();
        for (var start = 0L; start < length; start += block)
        {
            means.Add(x.narrow(2, start, Math.Min(block, length - start)).mean([-2L], keepdim: true));
        }

        return cat(means, 2);
    }

    // [B, H, Lq, Lk] true where query i's block selected key j's block.
    internal static Tensor BlockMask(Tensor lut, long queries, long keys, SlaOptions options)
    {
        var mask = zeros([lut.shape[0], lut.shape[1], queries, keys], ScalarType.Bool);
        var (bq, bk) = ((long)options.QueryBlock, (long)options.KeyBlock);
        for (var b = 0L; b < lut.shape[0]; b++)
        {
            for (var h = 0L; h < lut.shape[1]; h++)
            {
                for (var i = 0L; i < lut.shape[2]; i++)
                {
                    for (var t = 0L; t < lut.shape[3]; t++)
                    {
                        var j = lut[b, h, i, t].item<int>();
                        mask[b, h].narrow(0, i * bq, Math.Min(bq, queries - i * bq)).narrow(1, j * bk, Math.Min(bk, keys - j * bk)).fill_(true);
                    }
                }
            }
        }

        return mask;
    }

    private static Tensor MaskedAttention(Tensor q, Tensor k, Tensor v, Tensor mask)
    {
        var scores = q.matmul(k.transpose(-2, -1)) / Math.Sqrt(q.shape[3]);
        return scores.masked_fill(mask.logical_not(), double.NegativeInfinity).softmax(-1).matmul(v);
    }
}
