using TurboDiffusion.Engine.Models.Weights;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace TurboDiffusion.Engine.Models.WanVae;

/// <summary>
/// Changes resolution between levels (see <see cref="ResampleMode"/>). Spatially, <c>resample.1</c> is a 3×3 conv
/// after a nearest ×2 upsample (C → C/2), or after zero-padding right and bottom by one with stride 2 (C → C).
/// Temporally, <c>time_conv</c> is a causal (3, 1, 1) conv: upsampling doubles the channels and interleaves the
/// halves as frames 2t, 2t + 1 (before the spatial step); downsampling has stride 2 (after it). The first chunk,
/// one frame, bypasses the temporal conv: the upsampler's input stream starts with the second chunk, while the
/// downsampler remembers that frame as the start of its first window.
/// x [B, C, T, H, W] → [B, C', T', H', W'] in the compute dtype.
/// </summary>
internal sealed class Resample : IVaeLayer
{
    private readonly ResampleMode mode;
    private readonly FrameConv2d resample;
    private readonly CausalConv3d? timeConv;

    private Resample(ResampleMode mode, FrameConv2d resample, CausalConv3d? timeConv)
    {
        (this.mode, this.resample, this.timeConv) = (mode, resample, timeConv);
    }

    public static Resample Load(WeightLoader weights, string name, long channels, ResampleMode mode, ScalarType type)
    {
        var scoped = weights.Scope(name);
        return mode switch
        {
            ResampleMode.Upsample2d => new(mode, FrameConv2d.Load(scoped, "resample.1", channels, channels / 2, 3, 1, 1, type), null),
            ResampleMode.Upsample3d => new(
                mode,
                FrameConv2d.Load(scoped, "resample.1", channels, channels / 2, 3, 1, 1, type),
                CausalConv3d.Load(scoped, "time_conv", channels, 2 * channels, [3, 1, 1], null, [1, 0, 0], type)),
            ResampleMode.Downsample2d => new(mode, FrameConv2d.Load(scoped, "resample.1", channels, channels, 3, 2, 0, type), null),
            ResampleMode.Downsample3d => new(
                mode,
                FrameConv2d.Load(scoped, "resample.1", channels, channels, 3, 2, 0, type),
                CausalConv3d.Load(scoped, "time_conv", channels, channels, [3, 1, 1], [2, 1, 1], [0, 0, 0], type)),
            _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown resample mode"),
        };
    }

    public Tensor Forward(Tensor x, FrameCache cache)
    {
        using var scope = NewDisposeScope();
        var y = mode switch
        {
            ResampleMode.Upsample2d => resample.Forward(Upsample2x(x)),
            ResampleMode.Upsample3d => resample.Forward(Upsample2x(cache.IsFirstChunk ? x : InterleaveHalves(timeConv!.Forward(x, cache)))),
            ResampleMode.Downsample2d => Downsample(x),
            ResampleMode.Downsample3d => DownsampleTime(Downsample(x), cache),
            _ => throw new InvalidOperationException($"unknown resample mode {mode}"),
        };
        return y.MoveToOuterDisposeScope();
    }

    /// <summary>Nearest-neighbour ×2 in H and W: each pixel becomes a 2×2 block ('nearest-exact' at scale 2).</summary>
    private static Tensor Upsample2x(Tensor x)
    {
        var (b, c, t, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3], x.shape[4]);
        return x.view(b, c, t, h, 1, w, 1).expand(b, c, t, h, 2, w, 2).reshape(b, c, t, 2 * h, 2 * w);
    }

    /// <summary>[B, 2C, T, H, W] → [B, C, 2T, H, W]: channel half 0 is frame 2t, half 1 frame 2t + 1.</summary>
    private static Tensor InterleaveHalves(Tensor x)
    {
        var (b, c, t, h, w) = (x.shape[0], x.shape[1] / 2, x.shape[2], x.shape[3], x.shape[4]);
        return x.view(b, 2, c, t, h, w).permute(0, 2, 3, 1, 4, 5).reshape(b, c, 2 * t, h, w);
    }

    private Tensor Downsample(Tensor x) => resample.Forward(pad(x, [0, 1, 0, 1]));

    private Tensor DownsampleTime(Tensor x, FrameCache cache)
    {
        if (!cache.IsFirstChunk)
        {
            return timeConv!.Forward(x, cache);
        }

        timeConv!.Remember(x, cache);
        return x;
    }
}
