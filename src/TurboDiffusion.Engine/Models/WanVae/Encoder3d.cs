using TurboDiffusion.Engine.Models.Weights;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.WanVae;

/// <summary>
/// Video → latent moments, one chunk at a time: x [B, 3, T, H, W] → [B, 2·z, T', H/8, W/8] (mean ‖ log-variance),
/// with T' = 1 for the first chunk (one frame) and T/4 for later chunks. Layout (<c>encoder.*</c>): <c>conv1</c>
/// 3 → dim; per level, residual blocks then a downsampler (<c>downsamples.N</c>, one flat index); <c>middle</c>;
/// <c>head</c>. Compute dtype throughout.
/// </summary>
internal sealed class Encoder3d
{
    private readonly CausalConv3d conv1;
    private readonly IVaeLayer[] downsamples;
    private readonly VaeMiddle middle;
    private readonly VaeHead head;

    private Encoder3d(CausalConv3d conv1, IVaeLayer[] downsamples, VaeMiddle middle, VaeHead head)
    {
        (this.conv1, this.downsamples, this.middle, this.head) = (conv1, downsamples, middle, head);
    }

    public static Encoder3d Load(WeightLoader weights, WanVaeConfig config, VaePrecision precision)
    {
        var encoder = weights.Scope("encoder");
        var dims = config.EncoderDims;
        var conv1 = CausalConv3d.Load3(encoder, "conv1", 3, dims[0], precision.ComputeType());
        var levels = config.DimMult.Count;
        var scoped = encoder.Scope("downsamples");
        var layers = new List<IVaeLayer>();
        for (var level = 0; level < levels; level++)
        {
            var (inDim, outDim) = (dims[level], dims[level + 1]);
            for (var block = 0; block < config.NumResBlocks; block++, inDim = outDim)
            {
                layers.Add(ResidualBlock.Load(scoped, $"{layers.Count}", inDim, outDim, precision));
            }

            if (level < levels - 1)
            {
                var mode = config.TemporalDownsample[level] ? ResampleMode.Downsample3d : ResampleMode.Downsample2d;
                layers.Add(Resample.Load(scoped, $"{layers.Count}", outDim, mode, precision.ComputeType()));
            }
        }

        return new Encoder3d(
            conv1,
            [.. layers],
            VaeMiddle.Load(encoder, dims[^1], precision),
            VaeHead.Load(encoder, dims[^1], 2 * config.ZDim, precision));
    }

    public Tensor Forward(Tensor x, FrameCache cache)
    {
        using var scope = NewDisposeScope();
        var h = conv1.Forward(x, cache);
        h = VaeLayers.Run(downsamples, h, cache);
        h = middle.Forward(h, cache);
        return head.Forward(h, cache).MoveToOuterDisposeScope();
    }
}
