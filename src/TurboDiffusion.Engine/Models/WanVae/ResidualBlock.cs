using TurboDiffusion.Engine.Models.Weights;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.WanVae;

/// <summary>
/// x [B, Cin, T, H, W] → shortcut(x) + conv₆(SiLU(norm₃(conv₂(SiLU(norm₀(x)))))) [B, Cout, T, H, W]; checkpoint
/// indices 0, 2, 3, 6 of <c>residual</c> (1, 4 are SiLU, 5 a dropout, idle at inference). The shortcut is a
/// 1×1×1 conv where Cin ≠ Cout, else the identity.
/// </summary>
internal sealed class ResidualBlock : IVaeLayer
{
    private readonly VaeRmsNorm norm1;
    private readonly CausalConv3d conv1;
    private readonly VaeRmsNorm norm2;
    private readonly CausalConv3d conv2;
    private readonly CausalConv3d? shortcut;

    private ResidualBlock(VaeRmsNorm norm1, CausalConv3d conv1, VaeRmsNorm norm2, CausalConv3d conv2, CausalConv3d? shortcut)
    {
        (this.norm1, this.conv1, this.norm2, this.conv2, this.shortcut) = (norm1, conv1, norm2, conv2, shortcut);
    }

    public static ResidualBlock Load(WeightLoader weights, string name, long inChannels, long outChannels, VaePrecision precision)
    {
        var scoped = weights.Scope(name);
        var residual = scoped.Scope("residual");
        var (compute, full) = (precision.ComputeType(), precision.FullType());
        return new ResidualBlock(
            VaeRmsNorm.Load(residual, "0", inChannels, [1, 1, 1], full),
            CausalConv3d.Load3(residual, "2", inChannels, outChannels, compute),
            VaeRmsNorm.Load(residual, "3", outChannels, [1, 1, 1], full),
            CausalConv3d.Load3(residual, "6", outChannels, outChannels, compute),
            inChannels == outChannels ? null : CausalConv3d.Load1(scoped, "shortcut", inChannels, outChannels, compute));
    }

    public Tensor Forward(Tensor x, FrameCache cache)
    {
        using var scope = NewDisposeScope();
        var h = shortcut?.Forward(x, cache) ?? x;
        var r = conv1.Forward(norm1.Forward(x).silu(), cache);
        r = conv2.Forward(norm2.Forward(r).silu(), cache);
        return (r + h).MoveToOuterDisposeScope();
    }
}
