using TurboDiffusion.Engine.Checkpoints;
using TurboDiffusion.Engine.Models.Weights;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.WanVae;

/// <summary>
/// The Wan2.1 VAE network (<c>WanVAE_</c>): <c>encoder</c>, the quant conv <c>conv1</c> (1×1×1, 2z → 2z), the
/// post-quant conv <c>conv2</c> (1×1×1, z → z) and <c>decoder</c>, built only from checkpoint tensors. It works
/// chunk by chunk under a <see cref="FrameCache"/>; latent statistics, chunking and tiling belong to <see cref="WanVae"/>.
/// Tensors in and out are in the compute dtype on the model's device.
/// </summary>
internal sealed class WanVaeModel : IDisposable
{
    private readonly Encoder3d encoder;
    private readonly CausalConv3d conv1;
    private readonly CausalConv3d conv2;
    private readonly Decoder3d decoder;

    private WanVaeModel(WanVaeConfig config, WeightSet weights, Encoder3d encoder, CausalConv3d conv1, CausalConv3d conv2, Decoder3d decoder)
    {
        (Config, Weights) = (config, weights);
        (this.encoder, this.conv1, this.conv2, this.decoder) = (encoder, conv1, conv2, decoder);
    }

    public WanVaeConfig Config { get; }

    /// <summary>Every tensor the modules declared, owned by the model.</summary>
    public WeightSet Weights { get; }

    /// <exception cref="CheckpointException">A tensor is missing, has another shape, or is not part of this config; nothing stays allocated.</exception>
    public static WanVaeModel Load(ITensorReader reader, WanVaeConfig config, VaePrecision precision, Device device)
    {
        var model = WeightLoader.Build(new CheckpointWeightSource(reader, device), weights => Build(weights, config, precision));
        var unexpected = reader.UnexpectedKeys(model.Weights.Keys);
        if (unexpected.Count > 0)
        {
            model.Dispose();
            throw new CheckpointException(
                reader.Path, null,
                $"{unexpected.Count} tensors are not part of this Wan VAE ({string.Join(", ", unexpected.Take(5))}{(unexpected.Count > 5 ? ", ..." : "")}); check that the config matches the checkpoint");
        }

        return model;
    }

    /// <summary>Builds every module, each declaring its tensors to <paramref name="weights"/>, in the reference's module order.</summary>
    public static WanVaeModel Build(WeightLoader weights, WanVaeConfig config, VaePrecision precision)
    {
        config.Validate();
        var z = config.ZDim;
        var encoder = Encoder3d.Load(weights, config, precision);
        var conv1 = CausalConv3d.Load1(weights, "conv1", 2 * z, 2 * z, precision.ComputeType());
        var conv2 = CausalConv3d.Load1(weights, "conv2", z, z, precision.ComputeType());
        var decoder = Decoder3d.Load(weights, config, precision);
        return new WanVaeModel(config, weights.Owner, encoder, conv1, conv2, decoder);
    }

    /// <summary>The next video chunk [B, 3, n, H, W] (n = 1 first, then 4) → its latent mean mu [B, z, 1, H/8, W/8], unnormalised.</summary>
    public Tensor EncodeChunk(Tensor frames, FrameCache cache)
    {
        using var scope = NewDisposeScope();
        var moments = conv1.Forward(encoder.Forward(frames, cache), cache);
        return moments.narrow(1, 0, Config.ZDim).MoveToOuterDisposeScope();
    }

    /// <summary>The next unnormalised latent frame [B, z, 1, h, w] → decoder stem features [B, C, 1, h, w].</summary>
    public Tensor DecodeStem(Tensor z, FrameCache cache)
    {
        using var scope = NewDisposeScope();
        return decoder.Stem(conv2.Forward(z, cache), cache).MoveToOuterDisposeScope();
    }

    /// <summary>Stem features [B, C, 1, h, w] (or a crop) → unclamped video [B, 3, n, 8h, 8w].</summary>
    public Tensor DecodeUpsample(Tensor features, FrameCache cache) => decoder.Upsample(features, cache);

    public void Dispose() => Weights.Dispose();
}
