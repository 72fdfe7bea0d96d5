using TurboDiffusion.Engine.Models.Weights;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace TurboDiffusion.Engine.Models.WanVae;

/// <summary>
/// Single-head self-attention within each frame: x [B, C, T, H, W] → x + proj(softmax(q kᵀ / √C) v), where q, k, v
/// [B, T, H·W, C] are the thirds of <c>to_qkv</c>(norm(x)) (1×1 convs). Frames never attend to each other, so it
/// needs no cache. Attention runs in the compute dtype.
/// </summary>
internal sealed class AttentionBlock : IVaeLayer
{
    private readonly VaeRmsNorm norm;
    private readonly FrameConv2d toQkv;
    private readonly FrameConv2d proj;

    private AttentionBlock(VaeRmsNorm norm, FrameConv2d toQkv, FrameConv2d proj)
    {
        (this.norm, this.toQkv, this.proj) = (norm, toQkv, proj);
    }

    public static AttentionBlock Load(WeightLoader weights, string name, long channels, VaePrecision precision)
    {
        var scoped = weights.Scope(name);
        var compute = precision.ComputeType();
        return new AttentionBlock(
            VaeRmsNorm.Load(scoped, "norm", channels, [1, 1], precision.FullType()),
            FrameConv2d.Load(scoped, "to_qkv", channels, 3 * channels, 1, 1, 0, compute),
            FrameConv2d.Load(scoped, "proj", channels, channels, 1, 1, 0, compute));
    }

    public Tensor Forward(Tensor x, FrameCache cache)
    {
        using var scope = NewDisposeScope();
        var (b, c, t, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3], x.shape[4]);
        var qkv = toQkv.Forward(norm.Forward(x)).view(b, 3 * c, t, h * w).permute(0, 2, 3, 1);
        var q = qkv.narrow(3, 0, c).contiguous();
        var k = qkv.narrow(3, c, c).contiguous();
        var v = qkv.narrow(3, 2 * c, c).contiguous();
        var o = scaled_dot_product_attention(q, k, v).permute(0, 3, 1, 2).reshape(b, c, t, h, w);
        return (x + proj.Forward(o)).MoveToOuterDisposeScope();
    }
}
