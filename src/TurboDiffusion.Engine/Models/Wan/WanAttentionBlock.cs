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
    private readonly WanLinear ffn0;
    private readonly WanLinear ffn2;
    private readonly IWanBlockOps ops;
    private readonly string name;
    private readonly ScalarType streamType;

    private WanAttentionBlock(
        string name, ScalarType streamType, Tensor modulation, WanLayerNorm norm1, WanSelfAttention selfAttn,
        WanLayerNorm norm3, WanCrossAttention crossAttn, WanLayerNorm norm2, WanLinear ffn0, WanLinear ffn2, IWanBlockOps ops)
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
            WanLinear.Load(scoped, "ffn.0", d, config.FfnDim, precision.Compute),
            WanLinear.Load(scoped, "ffn.2", config.FfnDim, d, precision.Compute),
            ops);
    }

    public WanCrossAttention CrossAttention => crossAttn;

    public IAttention SelfAttentionKernel => selfAttn.Kernel;

    /// <summary>x [B, L, D], e0 [B, 6, D] (stream dtype) → the updated stream [B, L, D], with the attention outputs it added.</summary>
    public WanBlockOutput Forward(Tensor x, Tensor e0, RopeTable rope, WanCrossKeyValue context)
    {
        if (x.dtype != streamType || e0.dtype != streamType)
        {
            throw new ArgumentException($"WanAttentionBlock {name}: the residual stream and e0 must be {streamType}, got {x.dtype} and {e0.dtype}.");
        }

        using var scope = NewDisposeScope();
        var m = (modulation + e0).chunk(6, 1);
        var (shiftMsa, scaleMsa, gateMsa, shiftMlp, scaleMlp, gateMlp) = (m[0], m[1], m[2], m[3], m[4], m[5]);

        var y = selfAttn.Forward(ops.LayerNormModulate(norm1, x, shiftMsa, scaleMsa), rope);
        x = ops.GatedResidual(x, y, gateMsa);

        var c = crossAttn.Forward(ops.LayerNormModulate(norm3, x), context);
        x = ops.GatedResidual(x, c);

        var f = ffn2.Forward(gelu(ffn0.Forward(ops.LayerNormModulate(norm2, x, shiftMlp, scaleMlp)), TorchSharp.Modules.GELU.Approximate.tanh));
        x = ops.GatedResidual(x, f, gateMlp);
        return new WanBlockOutput(x.MoveToOuterDisposeScope(), y.MoveToOuterDisposeScope(), c.MoveToOuterDisposeScope());
    }
}
