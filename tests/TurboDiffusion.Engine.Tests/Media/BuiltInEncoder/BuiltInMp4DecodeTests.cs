using System.Globalization;
using System.Text.Json;
using TurboDiffusion.Engine.Media;

namespace TurboDiffusion.Engine.Tests.Media.BuiltInEncoder;

/// <summary>The built-in encoder's files as ffmpeg and ffprobe, an independent H.264 decoder, read them.</summary>
public sealed class BuiltInMp4DecodeTests : IDisposable
{
    private const int Frames = 17;

    private static readonly string[] ComparedFields =
        ["codec_name", "pix_fmt", "width", "height", "nb_read_frames", "r_frame_rate", "avg_frame_rate", "duration", "color_range", "color_space", "color_transfer", "color_primaries"];

    private readonly TemporaryDirectory directory = new();

    [Fact]
    public void Ffprobe_reads_constrained_baseline_h264_at_16_fps_in_bt709_tv_range()
    {
        var path = Write(VideoEncoderPreference.BuiltIn, 256, 144);

        var stream = Ffmpeg.ProbeVideoStream(path);

        Assert.Equal("h264", stream.GetProperty("codec_name").GetString());
        Assert.Equal("Constrained Baseline", stream.GetProperty("profile").GetString());
        Assert.Equal(30, stream.GetProperty("level").GetInt32());
        Assert.Equal("yuv420p", stream.GetProperty("pix_fmt").GetString());
        Assert.Equal((256, 144), (stream.GetProperty("width").GetInt32(), stream.GetProperty("height").GetInt32()));
        Assert.Equal("17", stream.GetProperty("nb_read_frames").GetString());
        Assert.Equal("16/1", stream.GetProperty("r_frame_rate").GetString());
        Assert.Equal("16/1", stream.GetProperty("avg_frame_rate").GetString());
        Assert.Equal("1.062500", stream.GetProperty("duration").GetString());
        Assert.Equal("tv", stream.GetProperty("color_range").GetString());
        Assert.Equal("bt709", stream.GetProperty("color_space").GetString());
        Assert.Equal("bt709", stream.GetProperty("color_primaries").GetString());
        Assert.Equal("bt709", stream.GetProperty("color_transfer").GetString());
    }

    [Theory]
    [InlineData(256, 144)]
    [InlineData(40, 24)]
    public void Every_decoded_frame_matches_the_written_pixels_within_4_2_0_loss(int width, int height)
    {
        var path = Write(VideoEncoderPreference.BuiltIn, width, height);

        var decoded = Ffmpeg.DecodeAllToRgb24(path);

        Assert.Equal(Frames * width * height * 3, decoded.Length);
        for (var frame = 0; frame < Frames; frame++)
        {
            var (mean, max) = Difference(TestFrames.SmoothColours(width, height, frame), decoded.AsSpan(frame * width * height * 3, width * height * 3));

            // Rounding to limited range and 2x2 chroma cost about 1.3 levels on these frames (at most 4). Decoding them
            // as BT.601 costs 3.3 to 6.7 (at most 16); Cb and Cr swapped, 37 to 70.
            Assert.True(mean < 2.0 && max <= 6, $"frame {frame} of {width}x{height}: mean absolute error {mean:0.00}, largest {max}");
        }
    }

    [Fact]
    public void The_built_in_and_ffmpeg_encoders_agree_on_frames_size_rate_and_colour()
    {
        var builtIn = Write(VideoEncoderPreference.BuiltIn, 256, 144);
        var ffmpeg = Write(VideoEncoderPreference.Ffmpeg, 256, 144);

        var (builtInStream, ffmpegStream) = (Ffmpeg.ProbeVideoStream(builtIn), Ffmpeg.ProbeVideoStream(ffmpeg));
        var (mean, max) = Difference(Ffmpeg.DecodeAllToRgb24(builtIn), Ffmpeg.DecodeAllToRgb24(ffmpeg));

        Assert.Equal(Fields(ffmpegStream), Fields(builtInStream));
        Assert.True(mean < 2.0, $"the two decodings differ by {mean:0.00} on average (largest {max})");
        TestContext.Current.TestOutputHelper?.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"256x144, {Frames} frames: built-in {new FileInfo(builtIn).Length} bytes, ffmpeg {new FileInfo(ffmpeg).Length} bytes"));
    }

    public void Dispose() => directory.Dispose();

    private static (double Mean, int Max) Difference(ReadOnlySpan<byte> expected, ReadOnlySpan<byte> actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        var (sum, max) = (0L, 0);
        for (var i = 0; i < expected.Length; i++)
        {
            var difference = Math.Abs(expected[i] - actual[i]);
            sum += difference;
            max = Math.Max(max, difference);
        }

        return ((double)sum / expected.Length, max);
    }

    private static Dictionary<string, string> Fields(JsonElement stream) =>
        ComparedFields.ToDictionary(field => field, field => stream.GetProperty(field).ToString());

    private string Write(VideoEncoderPreference encoder, int width, int height)
    {
        var path = directory.File($"{encoder}-{width}x{height}.mp4");
        using var writer = VideoEncoders.Start(path, width, height, new Mp4Options { Encoder = encoder });
        for (var frame = 0; frame < Frames; frame++)
        {
            writer.WriteFrame(TestFrames.SmoothColours(width, height, frame));
        }

        writer.CompleteAsync(TestContext.Current.CancellationToken).GetAwaiter().GetResult();
        return path;
    }
}
