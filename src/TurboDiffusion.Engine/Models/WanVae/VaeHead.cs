using TurboDiffusion.Engine.Models.Weights;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.WanVae;

/// <summary>The output of encoder and decoder: <c>head.2</c>(SiLU(<c>head.0</c>(x))), a norm then a 3×3×3 causal conv. x [B, Cin, T, H, W] → [B, Cout, T, H, W].</summary>
internal sealed class VaeHead
{
    private readonly VaeRmsNorm norm;
    private readonly CausalConv3d conv;

    private VaeHead(VaeRmsNorm norm, CausalConv3d conv) => (this.norm, this.conv) = (norm, conv);

    public static VaeHead Load(WeightLoader weights, long inChannels, long outChannels, VaePrecision precision)
    {
        var head = weights.Scope("head");
        return new VaeHead(
            VaeRmsNorm.Load(head, "0", inChannels, [1, 1, 1], precision.FullType()),
            CausalConv3d.Load3(head, "2", inChannels, outChannels, precision.ComputeType()));
    }

    public Tensor Forward(Tensor x, FrameCache cache)
    {
        using var scope = NewDisposeScope();
        return conv.Forward(norm.Forward(x).silu(), cache).MoveToOuterDisposeScope();
    }
}
