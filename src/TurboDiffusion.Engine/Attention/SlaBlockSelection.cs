using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Attention;

/// <summary>
/// Which key blocks each query block attends (TurboDiffusion's <c>get_block_map</c>):
/// q [B, Lq, H, D], k [B, Lk, H, D] → scores S [B, H, Mq, Mk] = meanpool(q) · meanpool(k − mean_L k)ᵀ, no 1/√D
/// and no softmax (top-k per row needs neither) → lut [B, H, Mq, topk] int32, each row's key-block indices
/// ascending. Partial last blocks are averaged over their true token count.
/// bf16 rounds where the reference does: mean_L k and k − mean_L k in bf16, pooling accumulates in fp32 and
/// rounds to bf16, S is a bf16 matmul. float32 and float64 are exact to their precision.
/// </summary>
public static class SlaBlockSelection
{
    /// <summary>q [B, Lq, H, D], k [B, Lk, H, D] → S [B, H, Mq, Mk] in q's dtype.</summary>
    public static Tensor Scores(Tensor q, Tensor k, SlaOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        using var scope = NewDisposeScope();

        // Pooling runs over the tokens of each head: heads first.
        var (queries, keys) = (q.transpose(1, 2), k.transpose(1, 2));

        // SageAttention's smooth-K: it subtracts q̄_i·mean_L(k) from every score of row i, so the top-k is the
        // same in exact arithmetic, but S has smaller magnitudes and so smaller bf16 rounding errors.
        var smoothed = keys - keys.mean([-2L], keepdim: true);
        var pooledQ = MeanPool(queries, options.QueryBlock);
        var pooledK = MeanPool(smoothed, options.KeyBlock);
        return SlaRounding.MatMul(pooledQ, pooledK.transpose(-2, -1)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// S [B, H, Mq, Mk] → lut [B, H, Mq, T] int32 with T = <see cref="SlaOptions.TopK"/>(Mk): the T highest-scoring
    /// key blocks of each row, sorted ascending (the reference's <c>torch.topk</c> order is arbitrary).
    /// </summary>
    /// <exception cref="ArgumentException">The ratio keeps no key block of Mk.</exception>
    public static Tensor TopBlocks(Tensor scores, SlaOptions options)
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(options);
        var keyBlocks = scores.shape[^1];
        var topk = options.TopK(keyBlocks);
        if (topk < 1)
        {
            throw new ArgumentException(
                $"SLA ratio {options.Ratio} keeps no key block of {keyBlocks} (⌊{options.Ratio}·{keyBlocks}⌋ = 0); this sequence needs a ratio of at least 1/{keyBlocks} or smaller key blocks than {options.KeyBlock}.",
                nameof(options));
        }

        using var scope = NewDisposeScope();
        var (_, chosen) = scores.topk((int)topk, dim: -1, largest: true, sorted: false);
        var (ascending, _) = chosen.sort(-1);
        return ascending.to(ScalarType.Int32).MoveToOuterDisposeScope();
    }

    /// <summary>q [B, Lq, H, D], k [B, Lk, H, D] → lut [B, H, Mq, topk] int32: <see cref="Scores"/> then <see cref="TopBlocks"/>.</summary>
    public static Tensor Select(Tensor q, Tensor k, SlaOptions options)
    {
        using var scores = Scores(q, k, options);
        return TopBlocks(scores, options);
    }

    // x [B, H, L, D] → [B, H, ⌈L/block⌉, D], each block's mean over its real tokens.
    private static Tensor MeanPool(Tensor x, long block)
    {
        using var scope = NewDisposeScope();
        var (b, h, l, d) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3]);
        var blocks = SlaTiles.Count(l, block);
        var accumulation = SlaRounding.Accumulation(x.dtype);
        var sums = SlaTiles.PadTokens(x.to(accumulation), blocks * block).reshape(b, h, blocks, block, d).sum(-2);
        var counts = (l - arange(blocks, accumulation, x.device) * block).clamp_max(block).view(blocks, 1);
        return (sums / counts).to(x.dtype).MoveToOuterDisposeScope();
    }
}
