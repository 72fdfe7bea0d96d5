using TorchSharp;
using TurboDiffusion.Engine.Models.WanVae;
using TurboDiffusion.Engine.Runtime;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Models.WanVae;

public sealed class VideoFramesTests
{
    public VideoFramesTests() => TorchRuntime.EnsureLoaded();

    [Theory]
    [InlineData(-1.0, 0)]
    [InlineData(1.0, 255)]
    [InlineData(0.0, 128)]
    [InlineData(-0.5, 64)]
    [InlineData(0.99, 254)]
    [InlineData(-3.0, 0)]
    [InlineData(2.5, 255)]
    public void Values_map_from_minus_one_to_one_onto_rounded_levels_and_clamp_outside(double value, byte level)
    {
        using var scope = NewDisposeScope();

        var frames = VideoFrames.ToUInt8(full([1, 3, 1, 1, 1], value, ScalarType.Float64));

        Assert.Equal(ScalarType.Byte, frames.dtype);
        Assert.Equal([level, level, level], frames.data<byte>().ToArray());
    }

    [Fact]
    public void Frames_are_height_width_rgb_for_the_chosen_batch_item()
    {
        using var scope = NewDisposeScope();
        var (t, h, w) = (2, 3, 4);
        var levels = arange(2 * 3 * t * h * w, ScalarType.Float32).remainder(256).view(2, 3, t, h, w);

        var frames = VideoFrames.ToRgb24((levels / 127.5) - 1, batchIndex: 1);

        Assert.Equal(t, frames.Length);
        for (var frame = 0; frame < t; frame++)
        {
            Assert.Equal(h * w * 3, frames[frame].Length);
            for (var y = 0; y < h; y++)
            {
                for (var x = 0; x < w; x++)
                {
                    for (var c = 0; c < 3; c++)
                    {
                        Assert.Equal(levels[1, c, frame, y, x].item<float>(), frames[frame][(((y * w) + x) * 3) + c]);
                    }
                }
            }
        }
    }

    [Fact]
    public void A_decoded_video_becomes_one_rgb_frame_per_video_frame()
    {
        using var scope = NewDisposeScope();
        using var vae = VaeTinyFixture.Load(VaePrecision.Fp32);
        var video = vae.Decode(VaeTinyFixture.Input("z"), cancellationToken: TestContext.Current.CancellationToken);

        var frames = VideoFrames.ToUInt8(video);

        Assert.Equal([video.shape[2], video.shape[3], video.shape[4], video.shape[1]], frames.shape);
        Assert.Equal(DeviceType.CPU, frames.device_type);
        var (f, y, x) = (video.shape[2] / 2, video.shape[3] / 2, video.shape[4] / 2);
        Assert.Equal((byte)Math.Round((video[0, 1, f, y, x].item<float>() + 1) * 127.5f), frames[f, y, x, 1].item<byte>());
    }

    [Fact]
    public void Anything_but_a_batch_of_rgb_videos_is_refused()
    {
        using var scope = NewDisposeScope();

        Assert.Throws<ArgumentException>(() => VideoFrames.ToUInt8(zeros([3, 2, 4, 4])));
        Assert.Throws<ArgumentOutOfRangeException>(() => VideoFrames.ToUInt8(zeros([1, 3, 2, 4, 4]), batchIndex: 1));
    }
}
