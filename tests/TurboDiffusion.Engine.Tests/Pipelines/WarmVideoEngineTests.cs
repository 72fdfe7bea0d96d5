using System.Globalization;
using TurboDiffusion.Engine.Media;
using TurboDiffusion.Engine.Models.WanVae;
using TurboDiffusion.Engine.Pipelines;
using TurboDiffusion.Engine.Runtime;
using TurboDiffusion.Engine.Tests.Media;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Pipelines;

/// <summary>The whole path with the built-in untrained model on the CPU: prompt (and image) in, a probed MP4 out.</summary>
public sealed class WarmVideoEngineTests : IDisposable
{
    private readonly TemporaryDirectory directory = new();
    private readonly WarmVideoEngine engine;

    // Loaded before the first use of torch's statics, or the class fails when it runs first in a process.
    public WarmVideoEngineTests()
    {
        TorchRuntime.EnsureLoaded();
        engine = new WarmVideoEngine(CPU);
    }

    [Fact]
    public async Task Text_to_video_with_the_tiny_model_writes_a_16_fps_h264_mp4_and_its_sidecar()
    {
        var events = new List<GenerationProgress>();
        var request = Request("a cat on a skateboard", frames: 9, steps: 2);

        var result = await engine.GenerateAsync(request, new CallbackProgress(events.Add), TestContext.Current.CancellationToken);

        var stream = Ffmpeg.ProbeVideoStream(result.VideoPath);
        Assert.Equal("h264", stream.GetProperty("codec_name").GetString());
        Assert.Equal("yuv420p", stream.GetProperty("pix_fmt").GetString());
        Assert.Equal((256, 144), (stream.GetProperty("width").GetInt32(), stream.GetProperty("height").GetInt32()));
        Assert.Equal(9, int.Parse(stream.GetProperty("nb_read_frames").GetString()!, CultureInfo.InvariantCulture));
        Assert.Equal("16/1", stream.GetProperty("r_frame_rate").GetString());
        var sidecar = VideoSidecarFile.Read(result.SidecarPath);
        Assert.True(sidecar.UntrainedModel);
        Assert.Equal(request.Seed, sidecar.Seed);
        Assert.StartsWith("dense", sidecar.Attention);
        Assert.Equal(VideoEncoderChoice.FfmpegName, sidecar.Encoder);
        Assert.Equal(sidecar.Encoder, result.Encoder);
        Assert.Equal(
            [GenerationStage.LoadingModel, GenerationStage.EncodingText, GenerationStage.Denoising, GenerationStage.Decoding, GenerationStage.Writing],
            events.Select(e => e.Stage).Distinct());
        Assert.Equal([1, 2], events.Where(e => e.Stage == GenerationStage.Denoising && e.Done > 0).Select(e => e.Done).Distinct());
        Assert.All(result.StageTimings.Values, t => Assert.True(t > TimeSpan.Zero));
    }

    [Fact]
    public async Task Frames_reach_the_writers_as_each_latent_frame_is_decoded_not_after_the_whole_video()
    {
        // PNG frames go out beside the MP4's, frame by frame: what is on disk at each decode report is what was written.
        var request = Request("a lighthouse at dusk", frames: 9, steps: 1) with { WriteFrames = true };
        var framesDirectory = Path.ChangeExtension(request.OutputPath, null) + "_frames";
        var writtenAtDecodeReports = new List<(int Done, int Files)>();

        var result = await engine.GenerateAsync(request, new CallbackProgress(e =>
        {
            if (e.Stage == GenerationStage.Decoding && e.Done > 0)
            {
                writtenAtDecodeReports.Add((e.Done, Directory.Exists(framesDirectory) ? Directory.GetFiles(framesDirectory, "*.png").Length : 0));
            }
        }), TestContext.Current.CancellationToken);

        // Latent frame 1 decodes to video frame 0, each later one to 4 more: all on disk when the decoder reports it.
        Assert.Contains((1, 1), writtenAtDecodeReports);
        Assert.Contains((2, 5), writtenAtDecodeReports);
        Assert.True(result.EncodedWhileDecoding);
        Assert.Equal(9, Directory.GetFiles(result.FramesDirectory!, "*.png").Length);
        Assert.Equal(9, int.Parse(Ffmpeg.ProbeVideoStream(result.VideoPath).GetProperty("nb_read_frames").GetString()!, CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task A_tiled_decode_writes_the_video_once_decoded_and_says_the_stages_did_not_overlap()
    {
        using var tiled = new WarmVideoEngine(CPU, VaeTiling.Default);

        var result = await tiled.GenerateAsync(Request("a lighthouse at dusk", frames: 5, steps: 1), cancellationToken: TestContext.Current.CancellationToken);

        Assert.False(result.EncodedWhileDecoding);
        Assert.Equal(5, int.Parse(Ffmpeg.ProbeVideoStream(result.VideoPath).GetProperty("nb_read_frames").GetString()!, CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task The_same_seed_renders_the_same_video_and_another_seed_a_different_one()
    {
        var first = await engine.GenerateAsync(Request("waves", frames: 5, steps: 1, seed: 5, name: "a.mp4"), cancellationToken: TestContext.Current.CancellationToken);
        var again = await engine.GenerateAsync(Request("waves", frames: 5, steps: 1, seed: 5, name: "b.mp4"), cancellationToken: TestContext.Current.CancellationToken);
        var other = await engine.GenerateAsync(Request("waves", frames: 5, steps: 1, seed: 6, name: "c.mp4"), cancellationToken: TestContext.Current.CancellationToken);

        var frame = Ffmpeg.DecodeToRgb24("-i", first.VideoPath);
        Assert.Equal(frame, Ffmpeg.DecodeToRgb24("-i", again.VideoPath));
        Assert.NotEqual(frame, Ffmpeg.DecodeToRgb24("-i", other.VideoPath));
        Assert.Single(engine.Status.Models);
    }

    [Fact]
    public async Task Image_to_video_with_the_tiny_model_follows_the_image_aspect_ratio()
    {
        var image = directory.File("first.png");
        PngEncoder.Write(image, 96, 160, TestFrames.MovingGradient(96, 160, 0));

        var result = await engine.GenerateAsync(
            Request("the cat turns its head", frames: 5, steps: 2) with { ImagePath = image }, cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(result.Height > result.Width);
        Assert.Equal(0, result.Width % 16);
        Assert.Contains(GenerationStage.EncodingImage, result.StageTimings.Keys);
        Assert.Equal(5, int.Parse(Ffmpeg.ProbeVideoStream(result.VideoPath).GetProperty("nb_read_frames").GetString()!, CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Cancelling_during_denoising_stops_before_the_next_step_and_leaves_no_video()
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var request = Request("a slow render", frames: 5, steps: 4);
        var progress = new CallbackProgress(e =>
        {
            if (e.Stage == GenerationStage.Denoising && e.Done == 1)
            {
                cancel.Cancel();
            }
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => engine.GenerateAsync(request, progress, cancel.Token));

        Assert.False(File.Exists(request.OutputPath));
    }

    [Theory]
    [InlineData("", 5, 4, "prompt is empty")]
    [InlineData("a cat", 8, 4, "4k+1")]
    [InlineData("a cat", 5, 5, "Steps must be 1 to 4")]
    public async Task Bad_requests_fail_at_once_naming_the_problem(string prompt, int frames, int steps, string expected)
    {
        var error = await Assert.ThrowsAnyAsync<ArgumentException>(() => engine.GenerateAsync(Request(prompt, frames, steps), cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public async Task A_missing_model_directory_is_named_in_the_error()
    {
        var missing = directory.File("no-model");

        var error = await Assert.ThrowsAsync<ModelNotFoundException>(() =>
            engine.GenerateAsync(Request("a cat", 5, 1) with { Model = missing }, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains(missing, error.Message);
    }

    public void Dispose()
    {
        engine.Dispose();
        directory.Dispose();
    }

    private VideoRequest Request(string prompt, int frames, int steps, long seed = 42, string name = "out.mp4") =>
        new(prompt, VideoPipelineLoader.Tiny, VideoResolution.P144, AspectRatio.Landscape16x9, frames, steps, seed, directory.File(name));

    private sealed class CallbackProgress(Action<GenerationProgress> report) : IProgress<GenerationProgress>
    {
        public void Report(GenerationProgress value) => report(value);
    }
}
