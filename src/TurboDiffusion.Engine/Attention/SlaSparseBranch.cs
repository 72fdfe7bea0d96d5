using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Attention;

/// <summary>
/// SLA's sparse branch: exact softmax(q kᵀ/√D) v for each query block over the keys of its selected key blocks.
/// q [B, H, Lq, D], k and v [B, H, Lk, D], lut [B, H, Mq, T] (key-block indices) → o_s [B, H, Lq, D], q's dtype.
/// <para>Cost: the selected K and V blocks are gathered for a chunk of query blocks at a time, so no [Lq, Lk]
/// mask or score matrix ever exists. Time O(B·H·Lq·T·BK·D); memory O(B·H·(Lq + Lk)·D) for the padded inputs and
/// output, plus per chunk about <see cref="ChunkScores"/> scores and the gathered K and V they read (of the same
/// order). Wan 1.3B at 480P (L = 32,760, H = 12, T = 51 of 512 key blocks): 13 query blocks a chunk, 20 chunks.</para>
/// <para>Keys past Lk in a partial last block are masked out; the padded query rows are dropped.
/// bf16 follows the official Triton kernel: fp32 scores and softmax, P rounded to bf16 for the P·V product while
/// the denominator sums the unrounded P, output rounded to bf16. The kernel's online softmax rescales by a running
/// maximum in LUT order; here P is taken against the row's final maximum, which differs only below bf16 rounding.</para>
/// </summary>
internal static class SlaSparseBranch
{
    /// <summary>Scores computed per chunk: 2^26 (256 MiB in fp32).</summary>
    public const long ChunkScores = 1L << 26;

    public static Tensor Forward(Tensor q, Tensor k, Tensor v, Tensor lut, SlaOptions options, long chunkScores = ChunkScores)
    {
        using var scope = NewDisposeScope();
        var (b, h, lq, d) = (q.shape[0], q.shape[1], q.shape[2], q.shape[3]);
        var (bq, bk) = ((long)options.QueryBlock, (long)options.KeyBlock);
        var (mq, mk, t) = (lut.shape[2], SlaTiles.Count(k.shape[2], bk), lut.shape[3]);
        var accumulation = SlaRounding.Accumulation(q.dtype);
        var scale = 1.0 / Math.Sqrt(d);

        var queries = SlaTiles.PadTokens(q, mq * bq).reshape(b * h, mq, bq, d);
        var keys = SlaTiles.PadTokens(k, mk * bk).reshape(b * h * mk, bk, d);
        var values = SlaTiles.PadTokens(v, mk * bk).reshape(b * h * mk, bk, d);
        var realKey = (arange(mk * bk, device: q.device) < k.shape[2]).view(mk, bk);
        var blocks = lut.to(ScalarType.Int64).reshape(b * h, mq, t);
        var rows = blocks + (arange(b * h, device: q.device) * mk).view(b * h, 1, 1);

        var output = empty([b * h, mq, bq, d], q.dtype, q.device);
        var step = Math.Max(1, chunkScores / (b * h * bq * t * bk));
        for (var first = 0L; first < mq; first += step)
        {
            using var chunk = NewDisposeScope();
            var n = Math.Min(step, mq - first);
            var selected = rows.narrow(1, first, n).reshape(-1);
            var chunkKeys = keys.index_select(0, selected).view(b * h, n, t * bk, d).to(accumulation);
            var chunkValues = values.index_select(0, selected).view(b * h, n, t * bk, d).to(accumulation);
            var real = realKey.index_select(0, blocks.narrow(1, first, n).reshape(-1)).view(b * h, n, 1, t * bk);

            // In place from here on: the scores are the chunk's largest tensor.
            var scores = queries.narrow(1, first, n).to(accumulation).matmul(chunkKeys.transpose(-2, -1)).mul_(scale);
            scores.masked_fill_(real.logical_not(), double.NegativeInfinity);
            var p = scores.sub_(scores.amax([-1L], keepdim: true)).exp_();
            var o = p.to(q.dtype).to(accumulation).matmul(chunkValues) / p.sum(-1, keepdim: true);
            output.narrow(1, first, n).copy_(o);
        }

        return output.view(b, h, mq * bq, d).narrow(2, 0, lq).MoveToOuterDisposeScope();
    }
}
