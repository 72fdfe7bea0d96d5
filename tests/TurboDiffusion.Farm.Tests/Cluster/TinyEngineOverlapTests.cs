using System.Collections.Concurrent;
using System.Diagnostics;
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
        using var engine = new DecodeHeld(new WarmVideoEngine(CPU, overlap: DecodeOverlap.On), "a paper boat on a puddle");
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
        using var engine = new DecodeHeld(new WarmVideoEngine(CPU, overlap: DecodeOverlap.On), "a paper boat sinks");
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

    [Fact]
    public async Task A_drain_hands_back_the_job_still_denoising_at_once_and_gives_the_decoding_one_its_grace()
    {
        const string Held = "a paper boat in the rain";
        var engines = new ConcurrentDictionary<string, DecodeHeld>();
        await using var farm = await TestFarm.StartWithEnginesAsync(1, name => engines.GetOrAdd(name, _ => new DecodeHeld(new WarmVideoEngine(CPU, overlap: DecodeOverlap.On), Held)),
            new Dictionary<string, string?> { ["Turbo:Worker:DrainGracePeriod"] = "00:00:30" });
        var decoding = await farm.SubmitAsync(Job(Held, key: "drain-decoding"));
        var draining = (await farm.WaitForStatusAsync(decoding.JobId, JobStatus.Running, seconds: 60)).Lease!.WorkerId;
        var denoising = await farm.SubmitAsync(Job("a paper boat in the sun", key: "drain-denoising"));
        await farm.WaitForStatusAsync(denoising.JobId, JobStatus.Running, seconds: 60);
        await farm.Cluster.StartAdditionalSiloAsync();
        var clock = Stopwatch.StartNew();

        var stop = farm.Cluster.StopSiloAsync(farm.SiloNamed(draining), TestContext.Current.CancellationToken);
        // Handed back at once, while the other job's decode is still held.
        var handedBack = await farm.WaitForAsync(denoising.JobId, j => j.Attempts.Length > 0 && j.Attempts[0].Outcome == AttemptOutcome.Drained, seconds: 20);
        engines[draining].Release();
        await stop;
        var decodingDone = await farm.WaitForStatusAsync(decoding.JobId, JobStatus.Succeeded, seconds: 60);
        var denoisingDone = await farm.WaitForStatusAsync(denoising.JobId, JobStatus.Succeeded, seconds: 120);

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(25), $"the drain took {clock.Elapsed}, as if it waited out the 30 s grace");
        Assert.True(engines[draining].Released, "the decoding job was stopped by the drain instead of given its grace");
        Assert.Equal([AttemptOutcome.Succeeded], decodingDone.Attempts.Select(a => a.Outcome));
        Assert.Equal(draining, decodingDone.Attempts[0].WorkerId);
        Assert.Equal(draining, handedBack.Attempts[0].WorkerId);
        Assert.Equal([AttemptOutcome.Drained, AttemptOutcome.Succeeded], denoisingDone.Attempts.Select(a => a.Outcome));
        Assert.NotEqual(draining, denoisingDone.Attempts[1].WorkerId);
    }

    private static JobSpec Job(string prompt, string key) =>
        Specs.Job(key: key) with { Prompt = prompt, Model = "tiny", Resolution = JobResolution.P144, Frames = 9, Steps = 2 };

    /// <summary>
    /// Holds the decode of the render of <paramref name="heldPrompt"/> until <see cref="Release"/> (a minute at most, or
    /// until that render is canceled), and says when another render's denoising is done.
    /// </summary>
    private sealed class DecodeHeld(IVideoEngine inner, string heldPrompt) : ForwardingEngine(inner)
    {
        private readonly TaskCompletionSource release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource nextDenoised = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task NextDenoised => nextDenoised.Task;

        /// <summary>The held decode went on because it was released.</summary>
        public bool Released { get; private set; }

        public void Release() => release.TrySetResult();

        public override RenderInFlight Start(VideoRequest request, RenderCheckpoints? checkpoints, IProgress<GenerationProgress>? progress = null, CancellationToken cancellationToken = default)
        {
            var held = request.Prompt == heldPrompt;
            return Inner.Start(request, checkpoints, new Watch(p =>
            {
                if (held && p.Stage == GenerationStage.Decoding && p.Done == 0)
                {
                    Released = release.Task.Wait(TimeSpan.FromMinutes(1), cancellationToken);
                }
                else if (!held && p.Stage == GenerationStage.Denoising && p.Done == p.Total)
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
