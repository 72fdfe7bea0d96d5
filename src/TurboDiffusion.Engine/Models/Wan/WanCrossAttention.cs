using TurboDiffusion.Engine.Attention;
using TurboDiffusion.Engine.Models.Weights;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.Wan;

/// <summary>
/// Cross-attention from video tokens to the text context, always dense. ctx [B, Lc, D] → k = norm_k(k(ctx)),
/// v = v(ctx), each [B, Lc, heads, head_dim] (<see cref="KeyValue"/>); x [B, L, D] → q = norm_q(q(x)) →
/// softmax(q kᵀ/√d) v over all Lc rows (the zero-padded ones too: no mask) → o(·) [B, L, D]. No RoPE here.
/// Projections and attention in the compute dtype, RMSNorms in the stream dtype; output in the compute dtype.
/// </summary>
internal sealed class WanCrossAttention
{
    private readonly IWanLinear q;
    private readonly IWanLinear k;
    private readonly IWanLinear v;
    private readonly IWanLinear o;
    private readonly WanRmsNorm normQ;
    private readonly WanRmsNorm normK;
    private readonly IWanBlockOps ops;
    private readonly long heads;

    private WanCrossAttention(IWanLinear q, IWanLinear k, IWanLinear v, IWanLinear o, WanRmsNorm normQ, WanRmsNorm normK, IWanBlockOps ops, long heads)
    {
        (this.q, this.k, this.v, this.o) = (q, k, v, o);
        (this.normQ, this.normK) = (normQ, normK);
        this.ops = ops;
        this.heads = heads;
    }

    /// <summary>Reads <c>{q,k,v,o}.{weight,bias}</c> and <c>norm_{q,k}.weight</c> under <paramref name="weights"/>' scope.</summary>
    public static WanCrossAttention Load(WeightLoader weights, WanConfig config, WanPrecision precision, IWanBlockOps ops)
    {
        var d = config.Dim;
        return new WanCrossAttention(
            WanLinear.LoadBlockLinear(weights, "q", d, d, precision),
            WanLinear.LoadBlockLinear(weights, "k", d, d, precision),
            WanLinear.LoadBlockLinear(weights, "v", d, d, precision),
            WanLinear.LoadBlockLinear(weights, "o", d, d, precision),
            WanRmsNorm.Load(weights, "norm_q", d, config.Eps, precision.Stream),
            WanRmsNorm.Load(weights, "norm_k", d, config.Eps, precision.Stream),
            ops,
            config.NumHeads);
    }

    /// <summary>ctx [B, Lc, D] (after text_embedding) → keys and values [B, Lc, heads, head_dim], compute dtype.</summary>
    public WanCrossKeyValue KeyValue(Tensor context)
    {
        using var scope = NewDisposeScope();
        var (b, lc, d) = (context.shape[0], context.shape[1], context.shape[2]);
        var keys = ops.RmsNormRope(normK, k.Forward(context), heads);
        var values = v.Forward(context).view(b, lc, heads, d / heads);
        return new WanCrossKeyValue(keys.DetachFromDisposeScope(), values.DetachFromDisposeScope());
    }

    /// <summary>
    /// x [B, L, D] (any dtype), the embedded prompt [B, Lc, D] → [B, L, D] in the compute dtype. The keys and values
    /// (Lc rows: a few megabytes) are projected here and freed with the query once attended.
    /// </summary>
    public Tensor Forward(Tensor x, Tensor context)
    {
        using var scope = NewDisposeScope();
        var (b, l, d) = (x.shape[0], x.shape[1], x.shape[2]);
        Tensor attended;
        using (NewDisposeScope())
        {
            // The query projection is freed once normed, the normed query once attended.
            Tensor qh;
            using (NewDisposeScope())
            {
                qh = ops.RmsNormRope(normQ, q.Forward(x), heads).MoveToOuterDisposeScope();
            }

            using var keyValue = KeyValue(context);
            attended = DenseAttention.Instance.Forward(qh, keyValue.Keys, keyValue.Values).MoveToOuterDisposeScope();
        }

        return o.Forward(attended.reshape(b, l, d)).MoveToOuterDisposeScope();
    }
}
