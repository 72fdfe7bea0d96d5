using TurboDiffusion.Engine.Models.Weights;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.WanVae;

/// <summary>
/// A 2-D convolution applied to every frame: x [B, Cin, T, H, W] → [B, Cout, T, H', W']. The checkpoint's
/// Conv2d weight [Cout, Cin, k, k] is viewed as [Cout, Cin, 1, k, k], so frames need no folding into the batch.
/// Weights and x share the compute dtype.
/// </summary>
internal sealed class FrameConv2d
{
    private readonly Tensor weight;
    private readonly Tensor bias;
    private readonly long[] stride;
    private readonly long[] padding;

    private FrameConv2d(Tensor weight, Tensor bias, long stride, long padding)
    {
        (this.weight, this.bias) = (weight, bias);
        this.stride = [1, stride, stride];
        this.padding = [0, padding, padding];
    }

    public static FrameConv2d Load(WeightLoader weights, string name, long inChannels, long outChannels, long kernel, long stride, long padding, ScalarType type)
    {
        var scoped = weights.Scope(name);
        var weight = scoped.Load("weight", [outChannels, inChannels, kernel, kernel], type, viewAs: [outChannels, inChannels, 1, kernel, kernel]);
        return new FrameConv2d(weight, scoped.Load("bias", [outChannels], type), stride, padding);
    }

    public Tensor Forward(Tensor x) => VaeConvolution.Conv3d(x, weight, bias, stride, padding);
}
