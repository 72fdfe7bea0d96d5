namespace TurboDiffusion.Engine.Models.WanVae;

/// <summary>
/// Every tensor of a Wan VAE checkpoint with its shape, in the official names (<c>encoder.downsamples.3.residual.2.weight</c>).
/// Mirrors <c>WanVAE_</c>: encoder levels of residual blocks and downsamples, middle (res, attention, res), head;
/// the quant convs; the decoder mirrored with one more residual block per level and channel-halving upsamples.
/// </summary>
public static class WanVaeTensorCatalog
{
    public static IReadOnlyDictionary<string, long[]> Tensors(WanVaeConfig config)
    {
        var tensors = new Dictionary<string, long[]>(StringComparer.Ordinal);
        var z = config.ZDim;
        var enc = config.EncoderDims;
        Conv3d(tensors, "encoder.conv1", 3, enc[0], 3);
        var index = 0;
        for (var level = 0; level < config.DimMult.Count; level++)
        {
            var inDim = enc[level];
            for (var block = 0; block < config.NumResBlocks; block++)
            {
                Residual(tensors, $"encoder.downsamples.{index++}", inDim, enc[level + 1]);
                inDim = enc[level + 1];
            }

            if (level != config.DimMult.Count - 1)
            {
                Resample(tensors, $"encoder.downsamples.{index++}", enc[level + 1], upsample: false, config.TemporalDownsample[level]);
            }
        }

        Middle(tensors, "encoder.middle", enc[^1]);
        Head(tensors, "encoder.head", enc[^1], 2 * z);
        Conv3d(tensors, "conv1", 2 * z, 2 * z, 1);
        Conv3d(tensors, "conv2", z, z, 1);

        var dec = config.DecoderDims;
        Conv3d(tensors, "decoder.conv1", z, dec[0], 3);
        Middle(tensors, "decoder.middle", dec[0]);
        index = 0;
        for (var level = 0; level < config.DimMult.Count; level++)
        {
            // An upsample halves the channels it emits, so every level after the first starts at half width.
            var inDim = level == 0 ? dec[0] : dec[level] / 2;
            for (var block = 0; block < config.NumResBlocks + 1; block++)
            {
                Residual(tensors, $"decoder.upsamples.{index++}", inDim, dec[level + 1]);
                inDim = dec[level + 1];
            }

            if (level != config.DimMult.Count - 1)
            {
                Resample(tensors, $"decoder.upsamples.{index++}", dec[level + 1], upsample: true, config.TemporalUpsample[level]);
            }
        }

        Head(tensors, "decoder.head", dec[^1], 3);
        return tensors;
    }

    private static void Conv3d(Dictionary<string, long[]> t, string name, long inDim, long outDim, long kernel)
    {
        t[$"{name}.weight"] = [outDim, inDim, kernel, kernel, kernel];
        t[$"{name}.bias"] = [outDim];
    }

    private static void Residual(Dictionary<string, long[]> t, string name, long inDim, long outDim)
    {
        t[$"{name}.residual.0.gamma"] = [inDim, 1, 1, 1];
        Conv3d(t, $"{name}.residual.2", inDim, outDim, 3);
        t[$"{name}.residual.3.gamma"] = [outDim, 1, 1, 1];
        Conv3d(t, $"{name}.residual.6", outDim, outDim, 3);
        if (inDim != outDim)
        {
            Conv3d(t, $"{name}.shortcut", inDim, outDim, 1);
        }
    }

    private static void Resample(Dictionary<string, long[]> t, string name, long channels, bool upsample, bool temporal)
    {
        t[$"{name}.resample.1.weight"] = [upsample ? channels / 2 : channels, channels, 3, 3];
        t[$"{name}.resample.1.bias"] = [upsample ? channels / 2 : channels];
        if (temporal)
        {
            t[$"{name}.time_conv.weight"] = [upsample ? 2 * channels : channels, channels, 3, 1, 1];
            t[$"{name}.time_conv.bias"] = [upsample ? 2 * channels : channels];
        }
    }

    private static void Middle(Dictionary<string, long[]> t, string name, long channels)
    {
        Residual(t, $"{name}.0", channels, channels);
        t[$"{name}.1.norm.gamma"] = [channels, 1, 1];
        t[$"{name}.1.to_qkv.weight"] = [3 * channels, channels, 1, 1];
        t[$"{name}.1.to_qkv.bias"] = [3 * channels];
        t[$"{name}.1.proj.weight"] = [channels, channels, 1, 1];
        t[$"{name}.1.proj.bias"] = [channels];
        Residual(t, $"{name}.2", channels, channels);
    }

    private static void Head(Dictionary<string, long[]> t, string name, long inDim, long outDim)
    {
        t[$"{name}.0.gamma"] = [inDim, 1, 1, 1];
        Conv3d(t, $"{name}.2", inDim, outDim, 3);
    }
}
