using TurboDiffusion.Engine.Models.Weights;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.WanVae;

/// <summary>
/// The bottleneck of encoder and decoder (<c>middle.0</c>, <c>.1</c>, <c>.2</c>): residual block, per-frame attention,
/// residual block, all at C channels. x [B, C, T, h, w] → same shape.
/// </summary>
internal sealed class VaeMiddle
{
    private readonly IVaeLayer[] layers;

    private VaeMiddle(IVaeLayer[] layers) => this.layers = layers;

    public static VaeMiddle Load(WeightLoader weights, long channels, VaePrecision precision)
    {
        var middle = weights.Scope("middle");
        return new VaeMiddle(
        [
            ResidualBlock.Load(middle, "0", channels, channels, precision),
            AttentionBlock.Load(middle, "1", channels, precision),
            ResidualBlock.Load(middle, "2", channels, channels, precision),
        ]);
    }

    public Tensor Forward(Tensor x, FrameCache cache) => VaeLayers.Run(layers, x, cache);
}
