using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.WanVae;

/// <summary>Turns decoded video into 8-bit RGB frames for writers and encoders.</summary>
public static class VideoFrames
{
    /// <summary>
    /// video [B, 3, T, H, W] in [−1, 1] (any float dtype and device) → uint8 [T, H, W, 3] on the CPU for batch item
    /// <paramref name="batchIndex"/>: v ↦ round((clamp(v, −1, 1) + 1) · 127.5). Rounding to nearest keeps mid-grey at
    /// 128 and is unbiased; the reference's writer truncates, half a level darker on average.
    /// </summary>
    public static Tensor ToUInt8(Tensor video, int batchIndex = 0)
    {
        ArgumentNullException.ThrowIfNull(video);
        if (video.dim() != 5 || video.shape[1] != 3)
        {
            throw new ArgumentException($"Video must be [B, 3, T, H, W]; found [{string.Join(", ", video.shape)}].", nameof(video));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(batchIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(batchIndex, video.shape[0]);
        using var scope = NewDisposeScope();
        var type = video.dtype == ScalarType.Float64 ? ScalarType.Float64 : ScalarType.Float32;
        var levels = ((video[batchIndex].to(type).clamp(-1, 1) + 1) * 127.5).round();
        return levels.to(ScalarType.Byte).permute(1, 2, 3, 0).contiguous().cpu().MoveToOuterDisposeScope();
    }

    /// <summary>The frames of <see cref="ToUInt8"/> as byte arrays of H·W·3 bytes each: rows top to bottom, pixels left to right, R G B.</summary>
    public static byte[][] ToRgb24(Tensor video, int batchIndex = 0)
    {
        using var frames = ToUInt8(video, batchIndex);
        var bytes = frames.data<byte>().ToArray();
        var frameBytes = (int)(frames.shape[1] * frames.shape[2] * 3);
        return [.. Enumerable.Range(0, (int)frames.shape[0]).Select(t => bytes.AsSpan(t * frameBytes, frameBytes).ToArray())];
    }
}
