using TurboDiffusion.Engine.Attention;
using TurboDiffusion.Engine.Models.Weights;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace TurboDiffusion.Engine.Models.Wan;

/// <summary>
/// One DiT block. x [B, L, D] (the residual stream, stream dtype), e0 [B, 6, D] →
/// (shift, scale, gate)_msa, (shift, scale, gate)_mlp = modulation [1, 6, D] + e0, then
/// x += gate_msa · self_attn(norm1(x)·(1 + scale_msa) + shift_msa);
/// x += cross_attn(norm3(x)) — affine norm3, and no gate;
/// x += gate_mlp · ffn.2(GELU_tanh(ffn.0(norm2(x)·(1 + scale_mlp) + shift_mlp))).
/// Modulation, norms and the residual adds run in the stream dtype; projections, attention and the FFN in the compute dtype.
/// The elementwise steps (norm + modulation, residual adds, q/k norm + RoPE) go through the model's <see cref="IWanBlockOps"/>.
/// </summary>
internal sealed class WanAttentionBlock
{
    private readonly Tensor modulation;
    private readonly WanLayerNorm norm1;
    private readonly WanSelfAttention selfAttn;
    private readonly WanLayerNorm norm3;
    private readonly WanCrossAttention crossAttn;
    private readonly WanLayerNorm norm2;
    private readonly IWanLinear ffn0;
    private readonly IWanLinear ffn2;
    private readonly IWanBlockOps ops;
    private readonly string name;
    private readonly ScalarType streamType;

    private WanAttentionBlock(
        string name, ScalarType streamType, Tensor modulation, WanLayerNorm norm1, WanSelfAttention selfAttn,
        WanLayerNorm norm3, WanCrossAttention crossAttn, WanLayerNorm norm2, IWanLinear ffn0, IWanLinear ffn2, IWanBlockOps ops)
    {
        (this.name, this.streamType, this.modulation) = (name, streamType, modulation);
        (this.norm1, this.selfAttn, this.norm3, this.crossAttn, this.norm2) = (norm1, selfAttn, norm3, crossAttn, norm2);
        (this.ffn0, this.ffn2, this.ops) = (ffn0, ffn2, ops);
    }

    /// <summary>Reads <c>blocks.{index}.*</c>; <paramref name="attention"/> is this block's self-attention kernel.</summary>
    public static WanAttentionBlock Load(WeightLoader weights, int index, WanConfig config, WanPrecision precision, IAttention attention, IWanBlockOps ops)
    {
        var name = $"block{index}";
        var scoped = weights.Scope($"blocks.{index}");
        var (d, s) = (config.Dim, precision.Stream);
        return new WanAttentionBlock(
            name,
            s,
            scoped.Load("modulation", [1, 6, d], s),
            WanLayerNorm.Plain(d, config.Eps, s),
            WanSelfAttention.Load(scoped.Scope("self_attn"), config, precision, attention, ops),
            WanLayerNorm.LoadAffine(scoped, "norm3", d, config.Eps, s),
            WanCrossAttention.Load(scoped.Scope("cross_attn"), config, precision, ops),
            WanLayerNorm.Plain(d, config.Eps, s),
            WanLinear.LoadBlockLinear(scoped, "ffn.0", d, config.FfnDim, precision),
            WanLinear.LoadBlockLinear(scoped, "ffn.2", config.FfnDim, d, precision),
            ops);
    }

    public WanCrossAttention CrossAttention => crossAttn;

    public IAttention SelfAttentionKernel => selfAttn.Kernel;

    /// <summary>
    /// Runs the block on the residual stream x [B, L, D] (stream dtype, contiguous), updating it in place, with e0
    /// [B, 6, D] and the embedded prompt <paramref name="context"/> [B, text_len, D]. Each temporary is freed as soon
    /// as its last use is done, and the feed-forward runs over at most
    /// <paramref name="ffnChunkTokens"/> tokens at a time, so the block's peak is one attention's q, k, v and output
    /// plus one chunk's [tokens, ffn_dim] intermediates, not a full-length copy of each. The attention outputs are kept
    /// for the caller only when <paramref name="keepAttentionOutputs"/> (the model's hooks read them).
    /// </summary>
    public WanBlockOutput Forward(Tensor x, Tensor e0, RopeTable rope, Tensor context, long ffnChunkTokens, bool keepAttentionOutputs)
    {
        if (x.dtype != streamType || e0.dtype != streamType)
        {
            throw new ArgumentException($"WanAttentionBlock {name}: the residual stream and e0 must be {streamType}, got {x.dtype} and {e0.dtype}.");
        }

        if (!x.is_contiguous())
        {
            throw new ArgumentException($"WanAttentionBlock {name}: the residual stream is updated in place and must be contiguous.");
        }

        using var scope = NewDisposeScope();
        var m = (modulation + e0).chunk(6, 1);
        var (shiftMsa, scaleMsa, gateMsa, shiftMlp, scaleMlp, gateMlp) = (m[0], m[1], m[2], m[3], m[4], m[5]);

        Tensor? y = AttendToTokens(x, shiftMsa, scaleMsa, rope);
        ops.GatedResidualInPlace(x, y, gateMsa);
        Release(ref y, keepAttentionOutputs);

        Tensor? c = AttendToText(x, context);
        ops.GatedResidualInPlace(x, c);
        Release(ref c, keepAttentionOutputs);

        FeedForward(x, shiftMlp, scaleMlp, gateMlp, ffnChunkTokens);
        return new WanBlockOutput(x, y?.MoveToOuterDisposeScope(), c?.MoveToOuterDisposeScope());
    }

    private Tensor AttendToTokens(Tensor x, Tensor shift, Tensor scale, RopeTable rope)
    {
        using var scope = NewDisposeScope();
        var normed = ops.LayerNormModulate(norm1, x, shift, scale);
        return selfAttn.Forward(normed, rope, releaseInput: true).MoveToOuterDisposeScope();
    }

    private Tensor AttendToText(Tensor x, Tensor context)
    {
        using var scope = NewDisposeScope();
        var normed = ops.LayerNormModulate(norm3, x);
        return crossAttn.Forward(normed, context).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// x += gate · ffn.2(GELU(ffn.0(norm2(x)·(1 + scale) + shift))), run per batch over runs of at most
    /// <paramref name="chunkTokens"/> tokens: every step is per token, so the runs give what one pass over all tokens
    /// would, and a run is updated only after its own feed-forward has read it.
    /// </summary>
    private void FeedForward(Tensor x, Tensor shift, Tensor scale, Tensor gate, long chunkTokens)
    {
        var (batch, tokens) = (x.shape[0], x.shape[1]);
        for (var b = 0L; b < batch; b++)
        {
            using var rows = x.narrow(0, b, 1);
            using var shiftRow = OfBatch(shift, b);
            using var scaleRow = OfBatch(scale, b);
            using var gateRow = OfBatch(gate, b);
            for (var start = 0L; start < tokens; start += chunkTokens)
            {
                using var scope = NewDisposeScope();
                var run = rows.narrow(1, start, Math.Min(chunkTokens, tokens - start));
                var hidden = ffn0.Forward(ops.LayerNormModulate(norm2, run, shiftRow, scaleRow));
                var activated = gelu(hidden, TorchSharp.Modules.GELU.Approximate.tanh);
                hidden.Dispose();
                ops.GatedResidualInPlace(run, ffn2.Forward(activated), gateRow);
            }
        }
    }

    /// <summary>The modulation row [1, 1, D] of batch <paramref name="b"/> (a view), or the only row when it serves every batch.</summary>
    private static Tensor OfBatch(Tensor chunk, long b) => chunk.narrow(0, chunk.shape[0] == 1 ? 0 : b, 1);

    private static void Release(ref Tensor? output, bool keep)
    {
        if (!keep)
        {
            output!.Dispose();
            output = null;
        }
    }
}
