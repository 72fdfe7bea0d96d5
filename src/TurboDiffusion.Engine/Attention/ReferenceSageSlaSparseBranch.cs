using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Attention;

/// <summary>
/// SageSLA's quantized sparse branch written plainly in float64: the reference the native SageSLA kernel is tested
/// against. q [B, Lq, H, D], k and v [B, Lk, H, D] in any floating dtype, lut [B, H, Mq, T] from
/// <see cref="SlaBlockSelection"/> with the options' query block BQ and key block BK → o_s [B, Lq, H, D] in q's dtype.
/// <list type="number">
/// <item>Q: int8 per (b, h, query block of BQ tokens), s_q = absmax/127 (<see cref="SageSlaQuantization.Int8PerBlock"/>).</item>
/// <item>K: smoothed, k' = k − mean of k over all Lk tokens per (b, h), then int8 per key block of BK tokens, s_k.</item>
/// <item>V: fp8 E4M3 per (b, h, channel d), absmax over all Lk tokens scaled to 2.25, s_v = absmax/2.25
/// (<see cref="SageSlaQuantization.Fp8PerChannel"/>).</item>
/// <item>Scores in log2 units over the selected key blocks only: S = (q8 · k8ᵀ) · s_q · s_k · (1/√D) · log2(e), keys
/// past Lk masked to −∞.</item>
/// <item>Per query row: m = ⌈max S⌉, p = 2^(S − m), l = Σ p (unrounded), P8 = e4m3(256 · p),
/// o = (Σ P8 · v8) / 256 / l · s_v[d].</item>
/// </list>
/// m is an integer, so the kernel's online rescaling by 2^(m_old − m_new) is exact and its fp8 rounding of P is this
/// one-pass rounding; the row maximum of p lies in (1/2, 1], so 256 · p stays in e4m3's normal range. The int8 dot
/// products (integers below 2²¹ for D = 128) and the P8 · v8 sums (multiples of 2⁻¹⁸, each term below 2¹⁰) are exact
/// in float64, so no summation order matters; only the scaling, exp2 and l round, in float64.
/// <para>Cost and memory as <see cref="SlaSparseBranch"/>: chunks of query blocks, no [Lq, Lk] tensor, plus the
/// float64 codes of q, k and v.</para>
/// </summary>
public sealed class ReferenceSageSlaSparseBranch : ISlaSparseBranch
{
    /// <summary>256 · p puts the row maximum of P in (128, 256], the top of e4m3's range, so P keeps its 3 mantissa bits.</summary>
    private const double ProbabilityScale = 256;

    private readonly bool quantized;

    private ReferenceSageSlaSparseBranch(bool quantized) => this.quantized = quantized;

    public static ReferenceSageSlaSparseBranch Instance { get; } = new(quantized: true);

    /// <summary>
    /// The same arithmetic with every int8 and fp8 rounding taken out (codes are the smoothed inputs, scales 1, P
    /// unrounded): exact softmax attention over the selected blocks, which separates the quantization error from the rest.
    /// </summary>
    internal static ReferenceSageSlaSparseBranch Unquantized { get; } = new(quantized: false);

    public string Name => quantized ? "sagesla-reference" : "sagesla-reference-unquantized";

    public Tensor Forward(Tensor q, Tensor k, Tensor v, Tensor lut, SlaOptions options) =>
        Forward(q, k, v, lut, options, SlaSparseBranch.ChunkScores);

    /// <param name="chunkScores">Scores computed per chunk of query blocks (<see cref="SlaBlockGather.ChunkSize"/>).</param>
    internal Tensor Forward(Tensor q, Tensor k, Tensor v, Tensor lut, SlaOptions options, long chunkScores)
    {
        ArgumentNullException.ThrowIfNull(options);
        using var scope = NewDisposeScope();
        var (qh, kh, vh) = (q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2));
        var tiles = new SlaBlockGather(lut, qh.shape[2], kh.shape[2], options);
        var (b, h, d) = (tiles.Batch, tiles.Heads, qh.shape[3]);
        var operands = Quantize(qh, kh, vh, tiles);

        var (queries, keys, values) = (tiles.QueryTiles(operands.Q), tiles.KeyTiles(operands.K), tiles.KeyTiles(operands.V));
        var rowScales = (operands.QueryScales * (Math.Log2(Math.E) / Math.Sqrt(d))).view(b * h, tiles.QueryBlocks, 1, 1);
        var valueScales = operands.ValueScales.view(b * h, 1, 1, d);
        var output = empty_like(queries);
        var step = tiles.ChunkSize(chunkScores);
        for (var first = 0L; first < tiles.QueryBlocks; first += step)
        {
            using var chunk = NewDisposeScope();
            var n = Math.Min(step, tiles.QueryBlocks - first);

            // In place from here on: the scores are the chunk's largest tensor.
            var scores = queries.narrow(1, first, n).matmul(tiles.Gather(keys, first, n).transpose(-2, -1))
                .mul_(rowScales.narrow(1, first, n)).mul_(tiles.GatherPerKey(operands.KeyScales, first, n));
            scores.masked_fill_(tiles.RealKeys(first, n).logical_not(), double.NegativeInfinity);
            var p = scores.sub_(scores.amax([-1L], keepdim: true).ceil_()).exp2_();
            var l = p.sum(-1, keepdim: true);
            var pv = RoundProbabilities(p.mul_(ProbabilityScale)).matmul(tiles.Gather(values, first, n));
            output.narrow(1, first, n).copy_(pv.div_(ProbabilityScale).div_(l).mul_(valueScales));
        }

        return tiles.Untile(output).to(q.dtype).transpose(1, 2).MoveToOuterDisposeScope();
    }

    // Head-major q, k, v → float64 codes with scales: s_q [B, H, Mq], s_k [B, H, Mk], s_v [B, H, 1, D].
    private (Tensor Q, Tensor QueryScales, Tensor K, Tensor KeyScales, Tensor V, Tensor ValueScales) Quantize(
        Tensor q, Tensor k, Tensor v, SlaBlockGather tiles)
    {
        var smoothed = SageSlaQuantization.SmoothKeys(k);
        if (!quantized)
        {
            var (b, h) = (tiles.Batch, tiles.Heads);
            return (q.to(ScalarType.Float64), ones(b, h, tiles.QueryBlocks, ScalarType.Float64, q.device), smoothed,
                ones(b, h, tiles.KeyBlocks, ScalarType.Float64, q.device), v.to(ScalarType.Float64), ones(b, h, 1, v.shape[3], ScalarType.Float64, q.device));
        }

        var (q8, queryScales) = SageSlaQuantization.Int8PerBlock(q, tiles.QueryBlock);
        var (k8, keyScales) = SageSlaQuantization.Int8PerBlock(smoothed, tiles.KeyBlock);
        var (v8, valueScales) = SageSlaQuantization.Fp8PerChannel(v);
        return (q8, queryScales, k8, keyScales, v8, valueScales);
    }

    private Tensor RoundProbabilities(Tensor scaled) => quantized ? SageSlaQuantization.E4M3(scaled) : scaled;
}
