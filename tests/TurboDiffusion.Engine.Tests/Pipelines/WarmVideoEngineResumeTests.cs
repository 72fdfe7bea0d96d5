using TurboDiffusion.Engine.Media;
using TurboDiffusion.Engine.Pipelines;
using TurboDiffusion.Engine.Runtime;
using TurboDiffusion.Engine.Tests.Media;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Pipelines;

/// <summary>
/// Step checkpoints with the built-in tiny model on the CPU: a render stopped mid-denoise and resumed on another engine
/// from its last saved step ends with the same latents and the same MP4 bytes as one never stopped.
/// </summary>
public sealed class WarmVideoEngineResumeTests : IDisposable
{
    private readonly TemporaryDirectory directory = new();
    private readonly WarmVideoEngine engine;
    private readonly WarmVideoEngine elsewhere;

    public WarmVideoEngineResumeTests()
    {
        TorchRuntime.EnsureLoaded();
        (engine, elsewhere) = (new WarmVideoEngine(CPU), new WarmVideoEngine(CPU));
    }

    [Fact]
    public async Task A_text_to_video_render_stopped_after_step_2_and_resumed_on_another_engine_is_bit_identical()
    {
        var (whole, wholeSteps) = await RenderAsync(engine, Request("uninterrupted.mp4"));
        var stoppedSteps = await RenderStoppedAfterAsync(engine, Request("stopped.mp4"), stepsDone: 2);

        var (resumed, resumedSteps) = await RenderAsync(elsewhere, Request("resumed.mp4"), stoppedSteps[^1]);

        Assert.Equal([1, 2, 3, 4], wholeSteps.Select(c => c.StepsDone));
        Assert.Equal([1, 2], stoppedSteps.Select(c => c.StepsDone));
        Assert.Equal([3, 4], resumedSteps.Select(c => c.StepsDone));
        Assert.Equal(wholeSteps[1].Latent.ToArray(), stoppedSteps[1].Latent.ToArray());
        Assert.Equal(wholeSteps[1].GeneratorState.ToArray(), stoppedSteps[1].GeneratorState.ToArray());
        Assert.Equal(wholeSteps[3].Latent.ToArray(), resumedSteps[1].Latent.ToArray());
        Assert.Equal(await File.ReadAllBytesAsync(whole.VideoPath, TestContext.Current.CancellationToken), await File.ReadAllBytesAsync(resumed.VideoPath, TestContext.Current.CancellationToken));
        Assert.Null(whole.Resumed);
        Assert.Equal(2, resumed.Resumed?.StepsSkipped);
        Assert.Equal(stoppedSteps[^1].DenoiseSeconds, resumed.Resumed!.DenoiseSecondsSaved);
        Assert.True(resumedSteps[0].DenoiseSeconds > stoppedSteps[^1].DenoiseSeconds, "a resumed step's time adds to the time the checkpoint carried");
    }

    [Fact]
    public async Task An_image_to_video_render_resumed_before_the_expert_switch_is_bit_identical_and_records_each_steps_expert()
    {
        var image = directory.File("first.png");
        PngEncoder.Write(image, 96, 160, TestFrames.MovingGradient(96, 160, 0));
        var (whole, wholeSteps) = await RenderAsync(engine, Request("uninterrupted.mp4") with { ImagePath = image });
        var stoppedSteps = await RenderStoppedAfterAsync(engine, Request("stopped.mp4") with { ImagePath = image }, stepsDone: 1);

        var (resumed, _) = await RenderAsync(elsewhere, Request("resumed.mp4") with { ImagePath = image }, stoppedSteps[^1]);

        Assert.Equal([0, 0, 1, 1], wholeSteps.Select(c => c.Expert));
        Assert.Equal(await File.ReadAllBytesAsync(whole.VideoPath, TestContext.Current.CancellationToken), await File.ReadAllBytesAsync(resumed.VideoPath, TestContext.Current.CancellationToken));
        Assert.Equal(1, resumed.Resumed?.StepsSkipped);
    }

    [Fact]
    public async Task A_checkpoint_of_another_step_count_is_refused_naming_both_counts_and_renders_nothing()
    {
        var (_, oneStep) = await RenderAsync(engine, Request("one.mp4") with { Steps = 1 });
        var twoSteps = Request("two.mp4") with { Steps = 2 };

        var error = await Assert.ThrowsAsync<CheckpointMismatchException>(() =>
            engine.GenerateAsync(twoSteps, new RenderCheckpoints(oneStep[0], _ => { }), cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains("1-step render; this one has 2 steps", error.Message);
        Assert.False(File.Exists(twoSteps.OutputPath));
    }

    [Fact]
    public async Task A_checkpoint_with_a_cut_latent_is_refused_naming_the_sizes()
    {
        var (_, steps) = await RenderAsync(engine, Request("whole.mp4") with { Steps = 1 });
        var cut = steps[0] with { Latent = steps[0].Latent[..^8] };

        var error = await Assert.ThrowsAsync<CheckpointMismatchException>(() =>
            engine.GenerateAsync(Request("cut.mp4") with { Steps = 1 }, new RenderCheckpoints(cut, _ => { }), cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains($"{cut.Latent.Length} bytes", error.Message);
    }

    public void Dispose()
    {
        engine.Dispose();
        elsewhere.Dispose();
        directory.Dispose();
    }

    private static async Task<(VideoResult Result, List<DenoiseCheckpoint> Saved)> RenderAsync(WarmVideoEngine on, VideoRequest request, DenoiseCheckpoint? from = null)
    {
        var saved = new List<DenoiseCheckpoint>();
        var result = await on.GenerateAsync(request, new RenderCheckpoints(from, saved.Add), cancellationToken: TestContext.Current.CancellationToken);
        return (result, saved);
    }

    /// <summary>Stops the render as a drain does, at the step boundary after <paramref name="stepsDone"/> steps.</summary>
    private static async Task<List<DenoiseCheckpoint>> RenderStoppedAfterAsync(WarmVideoEngine on, VideoRequest request, int stepsDone)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var saved = new List<DenoiseCheckpoint>();
        var checkpoints = new RenderCheckpoints(null, checkpoint =>
        {
            saved.Add(checkpoint);
            if (checkpoint.StepsDone == stepsDone)
            {
                stop.Cancel();
            }
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => on.GenerateAsync(request, checkpoints, cancellationToken: stop.Token));
        Assert.False(File.Exists(request.OutputPath));
        return saved;
    }

    private VideoRequest Request(string name) =>
        new("a heron lands on a pier", VideoPipelineLoader.Tiny, VideoResolution.P144, AspectRatio.Landscape16x9, 5, 4, 2026, directory.File(name));
}
