using TurboDiffusion.Engine.Models.Weights;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.WanVae;

/// <summary>
/// Latent → video, one latent frame (chunk) at a time: z [B, z, 1, h, w] → [B, 3, n, 8h, 8w], n = 1 for the first
/// chunk and 4 after. Layout (<c>decoder.*</c>): the stem (<c>conv1</c> z → C, <c>middle</c>) at latent resolution,
/// then per level NumResBlocks + 1 residual blocks and an upsampler (<c>upsamples.N</c>, one flat index), then
/// <c>head</c>. The stem holds the only global operation (the per-frame attention); everything after it is local,
/// which is what lets <see cref="Upsample"/> run on spatial tiles. Compute dtype throughout.
/// </summary>
internal sealed class Decoder3d
{
    private readonly CausalConv3d conv1;
    private readonly VaeMiddle middle;
    private readonly IVaeLayer[] upsamples;
    private readonly VaeHead head;

    private Decoder3d(CausalConv3d conv1, VaeMiddle middle, IVaeLayer[] upsamples, VaeHead head)
    {
        (this.conv1, this.middle, this.upsamples, this.head) = (conv1, middle, upsamples, head);
    }

    public static Decoder3d Load(WeightLoader weights, WanVaeConfig config, VaePrecision precision)
    {
        var decoder = weights.Scope("decoder");
        var dims = config.DecoderDims;
        var conv1 = CausalConv3d.Load3(decoder, "conv1", config.ZDim, dims[0], precision.ComputeType());
        var middle = VaeMiddle.Load(decoder, dims[0], precision);
        var levels = config.DimMult.Count;
        var scoped = decoder.Scope("upsamples");
        var layers = new List<IVaeLayer>();
        for (var level = 0; level < levels; level++)
        {
            // Every upsampler halves the channels, so each level after the first starts at half the previous width.
            var (inDim, outDim) = (level == 0 ? dims[0] : dims[level] / 2, dims[level + 1]);
            for (var block = 0; block <= config.NumResBlocks; block++, inDim = outDim)
            {
                layers.Add(ResidualBlock.Load(scoped, $"{layers.Count}", inDim, outDim, precision));
            }

            if (level < levels - 1)
            {
                var mode = config.TemporalUpsample[level] ? ResampleMode.Upsample3d : ResampleMode.Upsample2d;
                layers.Add(Resample.Load(scoped, $"{layers.Count}", outDim, mode, precision.ComputeType()));
            }
        }

        return new Decoder3d(
            conv1,
            middle,
            [.. layers],
            VaeHead.Load(decoder, dims[^1], 3, precision));
    }

    /// <summary>z [B, z, 1, h, w] → features [B, C, 1, h, w] (C = 384 for the real model).</summary>
    public Tensor Stem(Tensor z, FrameCache cache)
    {
        using var scope = NewDisposeScope();
        return middle.Forward(conv1.Forward(z, cache), cache).MoveToOuterDisposeScope();
    }

    /// <summary>Stem features [B, C, 1, h, w] (or any spatial crop of them) → video [B, 3, n, 8h, 8w].</summary>
    public Tensor Upsample(Tensor features, FrameCache cache)
    {
        using var scope = NewDisposeScope();
        return head.Forward(VaeLayers.Run(upsamples, features, cache), cache).MoveToOuterDisposeScope();
    }
}
