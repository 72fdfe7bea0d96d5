using TurboDiffusion.Engine;
using TurboDiffusion.Engine.Pipelines;
using TurboDiffusion.Engine.Runtime;
using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Farm.Tests.Support;
using static TorchSharp.torch;

namespace TurboDiffusion.Farm.Tests.Cluster;

/// <summary>
/// A worker on the real engine with its tiny model on the CPU, decoding beside the next render
/// (Turbo:Engine:OverlapDecode on, Turbo:Worker:OverlapUploads on): the worker leases the next job as soon as the
/// last one's denoising is done, and both jobs end as they would in turn.
/// </summary>
[Collection(MultiSiloGroup.Name)]
public sealed class TinyEngineOverlapTests
{
    public TinyEngineOverlapTests() => TorchRuntime.EnsureLoaded();

    [Fact]
    public async Task The_worker_leases_the_next_job_while_the_last_one_decodes_and_both_succeed_once()
    {
        using var engine = new FirstDecodeHeld(new WarmVideoEngine(CPU, overlap: DecodeOverlap.On));
        _ = engine.NextDenoised.ContinueWith(_ => engine.Release(), TaskScheduler.Default);
        await using var farm = await TestFarm.StartWithEnginesAsync(1, _ => engine);
        var first = await farm.SubmitAsync(Job("a paper boat on a puddle", key: "decode-beside-1"));
        await farm.WaitForStatusAsync(first.JobId, JobStatus.Running, seconds: 60);
        var second = await farm.SubmitAsync(Job("a paper boat on a river", key: "decode-beside-2"));

        var firstDone = await farm.WaitForStatusAsync(first.JobId, JobStatus.Succeeded, seconds: 120);
        var secondDone = await farm.WaitForStatusAsync(second.JobId, JobStatus.Succeeded, seconds: 120);

        Assert.True(engine.Released, "the second job was not denoised while the first one decoded");
        Assert.Single(firstDone.Attempts);
        Assert.Single(secondDone.Attempts);
        Assert.True(secondDone.Timings.StartedAt < firstDone.Timings.UploadStartedAt);
    }

    [Fact]
    public async Task A_job_canceled_while_it_decodes_beside_the_next_one_ends_canceled_and_the_next_one_succeeds()
    {
        using var engine = new FirstDecodeHeld(new WarmVideoEngine(CPU, overlap: DecodeOverlap.On));
        await using var farm = await TestFarm.StartWithEnginesAsync(1, _ => engine);
        var first = await farm.SubmitAsync(Job("a paper boat sinks", key: "decode-canceled-1"));
        await farm.WaitForStatusAsync(first.JobId, JobStatus.Running, seconds: 60);
        var second = await farm.SubmitAsync(Job("a paper boat floats", key: "decode-canceled-2"));
        // The first job's decode is held: the second is leased only because the engine took it beside that decode.
        await farm.WaitForStatusAsync(second.JobId, JobStatus.Running, seconds: 60);

        await farm.Job(first.JobId).Cancel();
        var firstDone = await farm.WaitForStatusAsync(first.JobId, JobStatus.Canceled, seconds: 60);
        var secondDone = await farm.WaitForStatusAsync(second.JobId, JobStatus.Succeeded, seconds: 120);

        Assert.False(engine.Released);
        Assert.Null(firstDone.Artifact);
        Assert.Equal([AttemptOutcome.Succeeded], secondDone.Attempts.Select(a => a.Outcome));
    }

    private static JobSpec Job(string prompt, string key) =>
        Specs.Job(key: key) with { Prompt = prompt, Model = "tiny", Resolution = JobResolution.P144, Frames = 9, Steps = 2 };

    /// <summary>
    /// Holds the first render's decode until <see cref="Release"/> (a minute at most, or until that render is canceled),
    /// and says when a later render's denoising is done.
    /// </summary>
    private sealed class FirstDecodeHeld(IVideoEngine inner) : ForwardingEngine(inner)
    {
        private readonly TaskCompletionSource release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource nextDenoised = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int renders;

        public Task NextDenoised => nextDenoised.Task;

        /// <summary>The held decode went on because it was released.</summary>
        public bool Released { get; private set; }

        public void Release() => release.TrySetResult();

        public override RenderInFlight Start(VideoRequest request, RenderCheckpoints? checkpoints, IProgress<GenerationProgress>? progress = null, CancellationToken cancellationToken = default)
        {
            var first = Interlocked.Increment(ref renders) == 1;
            return Inner.Start(request, checkpoints, new Watch(p =>
            {
                if (first && p.Stage == GenerationStage.Decoding && p.Done == 0)
                {
                    Released = release.Task.Wait(TimeSpan.FromMinutes(1), cancellationToken);
                }
                else if (!first && p.Stage == GenerationStage.Denoising && p.Done == p.Total)
                {
                    nextDenoised.TrySetResult();
                }

                progress?.Report(p);
            }), cancellationToken);
        }

        private sealed class Watch(Action<GenerationProgress> report) : IProgress<GenerationProgress>
        {
            public void Report(GenerationProgress value) => report(value);
        }
    }
}
