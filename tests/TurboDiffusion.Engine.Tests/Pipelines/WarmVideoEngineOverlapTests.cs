using System.Diagnostics;
using System.Globalization;
using TurboDiffusion.Engine.Media;
using TurboDiffusion.Engine.Pipelines;
using TurboDiffusion.Engine.Runtime;
using TurboDiffusion.Engine.Tests.Media;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Pipelines;

/// <summary>
/// The engine decoding one render beside the next render's denoising (Turbo:Engine:OverlapDecode on), with the tiny
/// model on the CPU: the overlap happens, the files are those of renders in turn, and one render's decode failing or
/// being canceled is that render's alone.
/// </summary>
public sealed class WarmVideoEngineOverlapTests : IDisposable
{
    /// <summary>How long a held decode waits for the next render's denoising before the test calls the overlap missing.</summary>
    private static readonly TimeSpan OverlapWait = TimeSpan.FromSeconds(60);

    private readonly TemporaryDirectory directory = new();
    private readonly WarmVideoEngine engine;

    public WarmVideoEngineOverlapTests()
    {
        TorchRuntime.EnsureLoaded();
        engine = new WarmVideoEngine(CPU, overlap: DecodeOverlap.On);
    }

    [Fact]
    public async Task The_next_render_is_denoised_while_the_last_one_decodes()
    {
        var ct = TestContext.Current.CancellationToken;
        var secondDenoised = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var firstDecodeHeld = false;

        // The first render's decode waits for the second render's last step: without the overlap it would wait in vain.
        var first = engine.Start(Request("a kite over a beach", seed: 1, name: "first.mp4"), null, new CallbackProgress<GenerationProgress>(p =>
        {
            if (p.Stage == GenerationStage.Decoding && p.Done == 0)
            {
                firstDecodeHeld = secondDenoised.Task.Wait(OverlapWait, ct);
            }
        }), ct);
        await first.EngineFree;
        Assert.False(first.Video.IsCompleted);
        var second = engine.Start(Request("a kite over a field", seed: 2, name: "second.mp4"), null, new CallbackProgress<GenerationProgress>(p =>
        {
            if (p.Stage == GenerationStage.Denoising && p.Done == p.Total)
            {
                secondDenoised.TrySetResult();
            }
        }), ct);

        var results = await Task.WhenAll(first.Video, second.Video);

        Assert.True(firstDecodeHeld, "the second render was not denoised while the first one decoded");
        Assert.All(results, r => Assert.Equal(9, FramesOf(r.VideoPath)));
    }

    [Fact]
    public async Task Overlapped_renders_write_the_same_videos_as_renders_in_turn()
    {
        var ct = TestContext.Current.CancellationToken;
        using var inTurn = new WarmVideoEngine(CPU, overlap: DecodeOverlap.Off);
        string[] prompts = ["a lantern on a boat", "a lantern in a cave", "a lantern in the rain"];

        var overlapped = prompts.Select((p, i) => engine.Start(Request(p, seed: i, name: $"overlapped-{i}.mp4"), null, cancellationToken: ct).Video).ToList();
        var results = await Task.WhenAll(overlapped);
        var sequential = new List<VideoResult>();
        foreach (var (prompt, i) in prompts.Select((p, i) => (p, i)))
        {
            sequential.Add(await inTurn.GenerateAsync(Request(prompt, seed: i, name: $"in-turn-{i}.mp4"), cancellationToken: ct));
        }

        Assert.True(engine.OverlapsDecode);
        Assert.False(inTurn.OverlapsDecode);
        for (var i = 0; i < prompts.Length; i++)
        {
            Assert.Equal(await File.ReadAllBytesAsync(sequential[i].VideoPath, ct), await File.ReadAllBytesAsync(results[i].VideoPath, ct));
        }
    }

    [Fact]
    public async Task A_decode_that_fails_fails_only_its_own_render_and_the_next_render_goes_on()
    {
        var ct = TestContext.Current.CancellationToken;
        var first = engine.Start(Request("a broken encoder", seed: 1, name: "broken.mp4"), null, new CallbackProgress<GenerationProgress>(p =>
        {
            if (p.Stage == GenerationStage.Decoding && p.Done == 1)
            {
                throw new InvalidOperationException("the decode broke");
            }
        }), ct);
        await first.EngineFree;
        var second = engine.Start(Request("a sound render", seed: 2, name: "sound.mp4"), null, cancellationToken: ct);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => first.Video);
        var result = await second.Video;

        Assert.Equal("the decode broke", error.Message);
        Assert.Equal(9, FramesOf(result.VideoPath));
    }

    [Fact]
    public async Task A_render_canceled_while_it_decodes_stops_there_and_the_next_render_goes_on()
    {
        var ct = TestContext.Current.CancellationToken;
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var first = engine.Start(Request("a canceled render", seed: 1, name: "canceled.mp4"), null, new CallbackProgress<GenerationProgress>(p =>
        {
            if (p.Stage == GenerationStage.Decoding && p.Done == 1)
            {
                cancel.Cancel();
            }
        }), cancel.Token);
        await first.EngineFree;
        var second = engine.Start(Request("a render beside it", seed: 2, name: "beside.mp4"), null, cancellationToken: ct);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first.Video);
        Assert.Equal(9, FramesOf((await second.Video).VideoPath));
    }

    [Fact]
    public async Task A_render_denoised_while_the_last_decode_still_runs_can_be_canceled_in_its_wait()
    {
        var ct = TestContext.Current.CancellationToken;
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var secondDenoised = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var cancelSecond = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var first = engine.Start(Request("a held decode", seed: 1, name: "held.mp4"), null, new CallbackProgress<GenerationProgress>(p =>
        {
            if (p.Stage == GenerationStage.Decoding && p.Done == 0)
            {
                release.Task.Wait(OverlapWait, ct);
            }
        }), ct);
        await first.EngineFree;
        var second = engine.Start(Request("a render that waits", seed: 2, name: "waits.mp4"), null, new CallbackProgress<GenerationProgress>(p =>
        {
            if (p.Stage == GenerationStage.Denoising && p.Done == p.Total)
            {
                secondDenoised.TrySetResult();
            }
        }), cancelSecond.Token);
        await secondDenoised.Task.WaitAsync(OverlapWait, ct);

        await cancelSecond.CancelAsync();
        // Ends in its wait for the decode slot, while the first render's decode is still held.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => second.Video.WaitAsync(OverlapWait, ct));
        Assert.False(first.Video.IsCompleted);
        release.SetResult();

        Assert.Equal(9, FramesOf((await first.Video).VideoPath));
        var third = await engine.GenerateAsync(Request("a render after both", seed: 3, name: "after.mp4"), cancellationToken: ct);
        Assert.Equal(9, FramesOf(third.VideoPath));
    }

    [Fact]
    public async Task A_render_of_another_model_waits_for_the_decode_under_way_before_the_models_are_replaced()
    {
        var ct = TestContext.Current.CancellationToken;
        var image = directory.File("first.png");
        PngEncoder.Write(image, 96, 160, TestFrames.MovingGradient(96, 160, 0));
        var firstWritten = -1L;
        var secondLoading = -1L;
        var first = engine.Start(Request("a slow decode", seed: 1, name: "t2v.mp4"), null, new CallbackProgress<GenerationProgress>(p =>
        {
            if (p.Stage == GenerationStage.Decoding && p.Done == 0)
            {
                // Long enough that a load not waiting for this decode would start within it.
                Thread.Sleep(TimeSpan.FromSeconds(1));
            }
            else if (p.Stage == GenerationStage.Writing && p.Done == p.Total)
            {
                Interlocked.Exchange(ref firstWritten, Stopwatch.GetTimestamp());
            }
        }), ct);
        await first.EngineFree;
        var second = engine.Start(Request("the image moves", seed: 2, name: "i2v.mp4") with { ImagePath = image }, null, new CallbackProgress<GenerationProgress>(p =>
        {
            if (p.Stage == GenerationStage.LoadingModel && p.Done == 0)
            {
                Interlocked.CompareExchange(ref secondLoading, Stopwatch.GetTimestamp(), -1L);
            }
        }), ct);

        var results = await Task.WhenAll(first.Video, second.Video);

        // The last report of the first render's decode and encode came before the second render began to load.
        Assert.True(Interlocked.Read(ref firstWritten) > 0);
        Assert.True(Interlocked.Read(ref secondLoading) > Interlocked.Read(ref firstWritten), "the image-to-video model loaded while the text-to-video render was still decoding");
        Assert.All(results, r => Assert.Equal(9, FramesOf(r.VideoPath)));
    }

    public void Dispose()
    {
        engine.Dispose();
        directory.Dispose();
    }

    private static int FramesOf(string video) =>
        int.Parse(Ffmpeg.ProbeVideoStream(video).GetProperty("nb_read_frames").GetString()!, CultureInfo.InvariantCulture);

    private VideoRequest Request(string prompt, long seed, string name) =>
        new(prompt, VideoPipelineLoader.Tiny, VideoResolution.P144, AspectRatio.Landscape16x9, 9, 2, seed, directory.File(name));
}
