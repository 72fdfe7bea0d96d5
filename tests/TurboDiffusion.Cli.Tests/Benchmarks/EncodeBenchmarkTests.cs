using TurboDiffusion.Cli.Benchmarks;
using TurboDiffusion.Engine.Media;

namespace TurboDiffusion.Cli.Tests.Benchmarks;

public sealed class EncodeBenchmarkTests
{
    [Fact]
    public void Luma_psnr_is_infinite_for_identical_frames_and_48_dB_for_an_offset_of_one_level()
    {
        var frames = EncodeBenchmark.Frames(EncodeClip.Smooth, 32, 16, 3);
        var copy = frames.SelectMany(f => f).ToArray();
        var brighter = copy.Select(b => (byte)Math.Min(255, b + 1)).ToArray();

        Assert.Equal(double.PositiveInfinity, EncodeBenchmark.Psnr(frames, copy));
        // The smooth clip stays below 255, so every channel, and so the luma, moves by exactly one level.
        Assert.Equal(10 * Math.Log10(255.0 * 255.0), EncodeBenchmark.Psnr(frames, brighter), 6);
    }

    [Fact]
    public void A_decoded_clip_of_another_length_is_refused_with_both_sizes()
    {
        var frames = EncodeBenchmark.Frames(EncodeClip.Noise, 16, 16, 2);

        var error = Assert.Throws<InvalidOperationException>(() => EncodeBenchmark.Psnr(frames, new byte[16 * 16 * 3]));

        Assert.Contains("768 bytes", error.Message, StringComparison.Ordinal);
        Assert.Contains("1,536", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_clips_are_deterministic_and_noise_changes_every_frame_while_smooth_drifts()
    {
        var noise = EncodeBenchmark.Frames(EncodeClip.Noise, 32, 16, 2);
        var smooth = EncodeBenchmark.Frames(EncodeClip.Smooth, 32, 16, 2);

        Assert.Equal(noise[1], EncodeBenchmark.Frames(EncodeClip.Noise, 32, 16, 2)[1]);
        Assert.NotEqual(noise[0], noise[1]);
        Assert.NotEqual(smooth[0], smooth[1]);
        var step = smooth[0].Zip(smooth[1], (a, b) => Math.Abs(a - b)).Average();
        Assert.InRange(step, 0.1, 40);
    }

    [Fact]
    public void Each_setting_encodes_a_playable_file_whose_quality_follows_the_crf()
    {
        var ffmpeg = FfmpegLocator.Require();
        var scratch = Directory.CreateTempSubdirectory("encode-bench-test-");
        try
        {
            var timings = EncodeBenchmark.Run(ffmpeg, EncodeClip.Smooth, 64, 48, 9, [X264Preset.Ultrafast], [10, 40], scratch.FullName, _ => { });

            Assert.Equal([10, 40], timings.Select(t => t.ConstantRateFactor));
            Assert.All(timings, t => Assert.True(t.Bytes > 0 && t.Seconds > 0 && t.FramesPerSecond > 0, t.ToString()));
            Assert.True(timings[0].PsnrDb > timings[1].PsnrDb, $"CRF 10 gave {timings[0].PsnrDb:F1} dB, CRF 40 {timings[1].PsnrDb:F1} dB");
            Assert.True(timings[0].PsnrDb > 40, $"CRF 10 on a smooth clip gave {timings[0].PsnrDb:F1} dB");
            Assert.Empty(Directory.EnumerateFileSystemEntries(scratch.FullName));
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
    }
}
