using System.Diagnostics;
using System.Globalization;
using TurboDiffusion.Engine.Media;

namespace TurboDiffusion.Cli.Benchmarks;

/// <summary>The synthetic clips the encoder is measured on.</summary>
public enum EncodeClip
{
    /// <summary>Independent random pixels every frame: nothing to predict, the encoder's worst case.</summary>
    Noise,

    /// <summary>Soft gradients and a blurred disc drifting across the frame: what generated video mostly looks like to an encoder.</summary>
    Smooth,
}

/// <summary>One encoder setting on one clip: wall time to a finished MP4, size, and PSNR of the decoded file against the frames given.</summary>
public sealed record EncodeTiming(
    string Clip, int Width, int Height, int Frames, string Encoder, string Preset, int ConstantRateFactor, double Seconds, double FramesPerSecond, long Bytes,
    double MegabitsPerSecond, double PsnrDb);

/// <summary>
/// Encodes synthetic clips with ffmpeg at each preset and CRF, on libx264 and, where the card has one, NVENC, as the
/// engine writes a video (rgb24 frames piped
/// to ffmpeg, BT.709, yuv420p, faststart), from frames already in memory, so the time is the encoder's alone; then
/// decodes each file back to rgb24 and measures its luma PSNR against the frames written.
/// </summary>
public static class EncodeBenchmark
{
    public const int FramesPerSecond = Mp4Options.DefaultFramesPerSecond;

    public static IReadOnlyList<EncodeTiming> Run(
        string ffmpeg, EncodeClip clip, int width, int height, int frames, IReadOnlyList<X264Preset> presets, IReadOnlyList<int> constantRateFactors,
        string scratchDirectory, Action<string> log)
    {
        ArgumentNullException.ThrowIfNull(log);
        var video = Frames(clip, width, height, frames);
        var timings = new List<EncodeTiming>();
        VideoEncoderChoice[] encoders = NvencProbe.Probe(ffmpeg).Works
            ? [VideoEncoderChoice.ForFfmpeg(ffmpeg), VideoEncoderChoice.ForNvenc(ffmpeg)]
            : [VideoEncoderChoice.ForFfmpeg(ffmpeg)];
        foreach (var (encoder, preset, crf) in encoders.SelectMany(e => presets.SelectMany(p => constantRateFactors.Select(c => (e, p, c)))))
        {
            var path = Path.Combine(scratchDirectory, $"bench-encode-{clip}-{encoder.Kind}-{preset}-{crf}.mp4".ToLowerInvariant());
            try
            {
                var options = new Mp4Options { FfmpegPath = ffmpeg, Preset = preset, ConstantRateFactor = crf };
                var clock = Stopwatch.StartNew();
                using (var writer = VideoEncoders.Start(encoder, path, width, height, options))
                {
                    foreach (var frame in video)
                    {
                        writer.WriteFrame(frame);
                    }

                    writer.CompleteAsync().GetAwaiter().GetResult();
                }

                var seconds = clock.Elapsed.TotalSeconds;
                var bytes = new FileInfo(path).Length;
                var psnr = Psnr(video, Decode(ffmpeg, path, width, height, frames));
                var codec = encoder.Kind == VideoEncoderKind.FfmpegNvenc ? "h264_nvenc" : "libx264";
                var timing = new EncodeTiming(
                    clip.ToString().ToLowerInvariant(), width, height, frames, codec, preset.ToString().ToLowerInvariant(), crf, seconds, frames / seconds, bytes,
                    bytes * 8.0 * FramesPerSecond / frames / 1e6, psnr);
                log($"{timing.Clip} {codec} {timing.Preset} crf {crf}: {seconds:F2} s ({timing.FramesPerSecond:F0} fps), {bytes / 1e6:F2} MB, PSNR {psnr:F1} dB");
                timings.Add(timing);
            }
            finally
            {
                File.Delete(path);
            }
        }

        return timings;
    }

    /// <summary>The clip's frames, rgb24 HWC, the same for every setting.</summary>
    public static IReadOnlyList<byte[]> Frames(EncodeClip clip, int width, int height, int frames)
    {
        var random = new Random(7);
        return [.. Enumerable.Range(0, frames).Select(t =>
        {
            var rgb = new byte[width * height * 3];
            if (clip == EncodeClip.Noise)
            {
                random.NextBytes(rgb);
            }
            else
            {
                PaintSmooth(rgb, width, height, t, frames);
            }

            return rgb;
        })];
    }

    /// <summary>
    /// PSNR in dB of the luma (BT.709 weights) over every pixel of the clip; infinity when identical. Luma, because
    /// yuv420p keeps one chroma sample per 2x2 pixels whatever the encoder does: on noise that alone would pin an RGB
    /// PSNR near 12 dB at every setting.
    /// </summary>
    public static double Psnr(IReadOnlyList<byte[]> expected, byte[] decoded)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(decoded);
        var total = expected.Sum(f => (long)f.Length);
        if (decoded.Length != total)
        {
            throw new InvalidOperationException($"The decoded clip has {decoded.Length:N0} bytes of rgb24, not the {total:N0} written.");
        }

        double squared = 0;
        var offset = 0;
        foreach (var frame in expected)
        {
            for (var i = 0; i < frame.Length; i += 3)
            {
                var difference = Luma(frame, i) - Luma(decoded, offset + i);
                squared += difference * difference;
            }

            offset += frame.Length;
        }

        var mean = squared / (total / 3);
        return mean == 0 ? double.PositiveInfinity : 10 * Math.Log10(255.0 * 255.0 / mean);
    }

    private static double Luma(byte[] rgb, int i) => (0.2126 * rgb[i]) + (0.7152 * rgb[i + 1]) + (0.0722 * rgb[i + 2]);

    private static void PaintSmooth(byte[] rgb, int width, int height, int t, int frames)
    {
        var phase = (double)t / Math.Max(1, frames - 1);
        var (cx, cy, radius) = (width * (0.2 + (0.6 * phase)), height * (0.5 + (0.25 * Math.Sin(phase * Math.PI * 2))), height * 0.25);
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var distance = Math.Sqrt(((x - cx) * (x - cx)) + ((y - cy) * (y - cy)));
                var disc = 1 / (1 + Math.Exp((distance - radius) / (radius * 0.15)));
                var i = ((y * width) + x) * 3;
                rgb[i] = (byte)((255 * (0.2 + (0.6 * x / width)) * (1 - disc)) + (230 * disc));
                rgb[i + 1] = (byte)((255 * (0.3 + (0.4 * y / height)) * (1 - disc)) + (120 * disc));
                rgb[i + 2] = (byte)((255 * (0.5 + (0.3 * Math.Sin((x + (t * 4.0)) / width * Math.PI)))) * (1 - disc) + (40 * disc));
            }
        }
    }

    private static byte[] Decode(string ffmpeg, string path, int width, int height, int frames)
    {
        var start = new ProcessStartInfo(ffmpeg) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in (string[])["-hide_banner", "-loglevel", "error", "-i", path, "-vf", "scale=in_color_matrix=bt709:in_range=tv", "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"])
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {ffmpeg}.");
        var errors = process.StandardError.ReadToEndAsync();
        using var output = new MemoryStream(width * height * 3 * frames);
        process.StandardOutput.BaseStream.CopyTo(output);
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                string.Create(CultureInfo.InvariantCulture, $"ffmpeg could not decode {path} (exit code {process.ExitCode}): {errors.GetAwaiter().GetResult().Trim()}"));
        }

        return output.ToArray();
    }
}
