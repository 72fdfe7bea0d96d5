using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.Wan;

/// <summary>
/// The block's elementwise glue as TorchSharp ops, one step at a time as the reference writes them: runs in every
/// precision on every device, and is what <see cref="FusedWanBlockOps"/> is tested against.
/// </summary>
internal sealed class ReferenceWanBlockOps : IWanBlockOps
{
    public static ReferenceWanBlockOps Instance { get; } = new();

    public string Name => "reference";

    public Tensor LayerNormModulate(WanLayerNorm norm, Tensor x, Tensor? shift = null, Tensor? scale = null)
    {
        using var scope = NewDisposeScope();
        var y = norm.Forward(x);
        if (scale is not null)
        {
            y = y * (1 + scale);
        }

        if (shift is not null)
        {
            y = y + shift;
        }

        return y.MoveToOuterDisposeScope();
    }

    public Tensor RmsNormRope(WanRmsNorm norm, Tensor x, long heads, RopeTable? rope = null)
    {
        using var scope = NewDisposeScope();
        var (b, l, d) = (x.shape[0], x.shape[1], x.shape[2]);
        var normalized = norm.Forward(x).view(b, l, heads, d / heads);
        return (rope is null ? normalized : rope.Rotate(normalized)).MoveToOuterDisposeScope();
    }

    public void GatedResidualInPlace(Tensor x, Tensor y, Tensor? gate = null)
    {
        using var scope = NewDisposeScope();
        var update = y.to(x.dtype);
        x.add_(gate is null ? update : update * gate);
    }
}
