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
        var tiles = new SlaBlockGather(lut, q.shape[2], k.shape[2], options);
        var accumulation = SlaRounding.Accumulation(q.dtype);
        var scale = 1.0 / Math.Sqrt(q.shape[3]);
        var (queries, keys, values) = (tiles.QueryTiles(q), tiles.KeyTiles(k), tiles.KeyTiles(v));

        var output = empty_like(queries);
        var step = tiles.ChunkSize(chunkScores);
        for (var first = 0L; first < tiles.QueryBlocks; first += step)
        {
            using var chunk = NewDisposeScope();
            var n = Math.Min(step, tiles.QueryBlocks - first);
            var chunkKeys = tiles.Gather(keys, first, n).to(accumulation);
            var chunkValues = tiles.Gather(values, first, n).to(accumulation);

            // In place from here on: the scores are the chunk's largest tensor.
            var scores = queries.narrow(1, first, n).to(accumulation).matmul(chunkKeys.transpose(-2, -1)).mul_(scale);
            scores.masked_fill_(tiles.RealKeys(first, n).logical_not(), double.NegativeInfinity);
            var p = scores.sub_(scores.amax([-1L], keepdim: true)).exp_();
            var o = p.to(q.dtype).to(accumulation).matmul(chunkValues) / p.sum(-1, keepdim: true);
            output.narrow(1, first, n).copy_(o);
        }

        return tiles.Untile(output).MoveToOuterDisposeScope();
    }
}
