using TurboDiffusion.Engine.Models.Weights;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.WanVae;

/// <summary>
/// A 3-D convolution that never looks ahead in time: x [B, Cin, T, H, W] → [B, Cout, T', H', W'] with
/// T' = (T + 2·pt − kt) / st + 1. Time is padded by 2·pt frames in front and none behind; space symmetrically.
/// Across chunks the front padding is replaced by the frames this conv saw last (its <see cref="FrameCache"/>
/// slot): it keeps kt − st of them (2 for the 3×3×3 convs, 1 for the stride-2 temporal downsampler, none for
/// 1×1×1), so a chunked pass equals one pass over the whole sequence. Weights [Cout, Cin, kt, kh, kw] and
/// x share the compute dtype.
/// </summary>
internal sealed class CausalConv3d
{
    private readonly Tensor weight;
    private readonly Tensor bias;
    private readonly long[] stride;
    private readonly long frontPadding;
    private readonly long[] spatialPadding;
    private readonly long historyFrames;

    private CausalConv3d(Tensor weight, Tensor bias, long[] kernel, long[] stride, long[] padding)
    {
        (this.weight, this.bias, this.stride) = (weight, bias, stride);
        frontPadding = 2 * padding[0];
        spatialPadding = [0, padding[1], padding[2]];
        historyFrames = kernel[0] - stride[0];
    }

    /// <param name="kernel">(kt, kh, kw).</param>
    /// <param name="stride">(st, sh, sw); default 1.</param>
    /// <param name="padding">(pt, ph, pw) as declared; the time part becomes 2·pt frames in front.</param>
    public static CausalConv3d Load(WeightLoader weights, string name, long inChannels, long outChannels, long[] kernel, long[]? stride, long[] padding, ScalarType type)
    {
        var scoped = weights.Scope(name);
        return new CausalConv3d(
            scoped.Load("weight", [outChannels, inChannels, .. kernel], type),
            scoped.Load("bias", [outChannels], type),
            kernel,
            stride ?? [1, 1, 1],
            padding);
    }

    /// <summary>The common 3×3×3 conv with padding 1.</summary>
    public static CausalConv3d Load3(WeightLoader weights, string name, long inChannels, long outChannels, ScalarType type) =>
        Load(weights, name, inChannels, outChannels, [3, 3, 3], null, [1, 1, 1], type);

    /// <summary>A 1×1×1 conv (a per-position linear map: the shortcut and the quant convs); it keeps no history.</summary>
    public static CausalConv3d Load1(WeightLoader weights, string name, long inChannels, long outChannels, ScalarType type) =>
        Load(weights, name, inChannels, outChannels, [1, 1, 1], null, [0, 0, 0], type);

    /// <summary>Convolves the next chunk x [B, Cin, T, H, W] after this conv's history, then keeps the new history.</summary>
    public Tensor Forward(Tensor x, FrameCache cache)
    {
        using var scope = NewDisposeScope();
        var history = cache.History(this);
        var held = history?.shape[2] ?? 0;
        var zeroFrames = Math.Max(0, frontPadding - held);
        List<Tensor> frames = [];
        if (zeroFrames > 0)
        {
            frames.Add(zeros([x.shape[0], x.shape[1], zeroFrames, x.shape[3], x.shape[4]], x.dtype, x.device));
        }

        if (history is not null)
        {
            frames.Add(history);
        }

        var input = frames.Count == 0 ? x : cat([.. frames, x], 2);
        var y = VaeConvolution.Conv3d(input, weight, bias, stride, spatialPadding);
        Remember(x, cache);
        return y.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Appends x [B, Cin, T, H, W] to the history without convolving it: the first chunk that a temporal
    /// downsampler passes through still opens the window of its first output.
    /// </summary>
    public void Remember(Tensor x, FrameCache cache)
    {
        if (historyFrames == 0)
        {
            return;
        }

        using var scope = NewDisposeScope();
        var history = cache.History(this);
        var stream = history is null || x.shape[2] >= historyFrames ? x : cat([history, x], 2);
        var kept = Math.Min(historyFrames, stream.shape[2]);
        cache.Keep(this, stream.narrow(2, stream.shape[2] - kept, kept).clone());
    }
}
