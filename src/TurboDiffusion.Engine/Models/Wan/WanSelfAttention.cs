using TurboDiffusion.Engine.Attention;
using TurboDiffusion.Engine.Models.Weights;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.Wan;

/// <summary>
/// Self-attention over the video tokens. x [B, L, D] → q = RoPE(norm_q(q(x))), k = RoPE(norm_k(k(x))),
/// v = v(x), each [B, L, heads, head_dim] → the pluggable <see cref="IAttention"/> kernel → o(·) [B, L, D].
/// The q/k RMSNorm spans the whole D before the split into heads, and RoPE follows it.
/// Projections and attention run in the compute dtype; norms and RoPE in the stream dtype; y comes back in
/// the compute dtype (the block applies the gate in the stream dtype).
/// </summary>
internal sealed class WanSelfAttention
{
    private readonly IWanLinear q;
    private readonly IWanLinear k;
    private readonly IWanLinear v;
    private readonly IWanLinear o;
    private readonly WanRmsNorm normQ;
    private readonly WanRmsNorm normK;
    private readonly IAttention attention;
    private readonly IWanBlockOps ops;
    private readonly long heads;

    private WanSelfAttention(IWanLinear q, IWanLinear k, IWanLinear v, IWanLinear o, WanRmsNorm normQ, WanRmsNorm normK, IAttention attention, IWanBlockOps ops, long heads)
    {
        (this.q, this.k, this.v, this.o) = (q, k, v, o);
        (this.normQ, this.normK) = (normQ, normK);
        (this.attention, this.ops) = (attention, ops);
        this.heads = heads;
    }

    /// <summary>Reads <c>{q,k,v,o}.{weight,bias}</c> and <c>norm_{q,k}.weight</c> under <paramref name="weights"/>' scope.</summary>
    public static WanSelfAttention Load(WeightLoader weights, WanConfig config, WanPrecision precision, IAttention attention, IWanBlockOps ops)
    {
        var d = config.Dim;
        return new WanSelfAttention(
            WanLinear.LoadBlockLinear(weights, "q", d, d, precision),
            WanLinear.LoadBlockLinear(weights, "k", d, d, precision),
            WanLinear.LoadBlockLinear(weights, "v", d, d, precision),
            WanLinear.LoadBlockLinear(weights, "o", d, d, precision),
            WanRmsNorm.Load(weights, "norm_q", d, config.Eps, precision.Stream),
            WanRmsNorm.Load(weights, "norm_k", d, config.Eps, precision.Stream),
            attention,
            ops,
            config.NumHeads);
    }

    public IAttention Kernel => attention;

    /// <summary>
    /// x [B, L, D] (any dtype; cast to the compute dtype) → y [B, L, D] in the compute dtype. Each projection is freed
    /// once normed, x once projected when <paramref name="releaseInput"/> (the block's normed stream, needed by nothing
    /// else), and q, k, v once attended: at most q, k, v and the attention's own buffers live at once.
    /// </summary>
    public Tensor Forward(Tensor x, RopeTable rope, bool releaseInput = false)
    {
        using var scope = NewDisposeScope();
        var (b, l, d) = (x.shape[0], x.shape[1], x.shape[2]);
        Tensor attended;
        using (NewDisposeScope())
        {
            var qh = Normed(q, normQ, x, rope);
            var kh = Normed(k, normK, x, rope);
            var vh = v.Forward(x).view(b, l, heads, d / heads);
            if (releaseInput)
            {
                x.Dispose();
            }

            attended = attention.Forward(qh, kh, vh).MoveToOuterDisposeScope();
        }

        return o.Forward(attended.reshape(b, l, d)).MoveToOuterDisposeScope();
    }

    private Tensor Normed(IWanLinear projection, WanRmsNorm norm, Tensor x, RopeTable rope)
    {
        using var scope = NewDisposeScope();
        return ops.RmsNormRope(norm, projection.Forward(x), heads, rope).MoveToOuterDisposeScope();
    }
}
