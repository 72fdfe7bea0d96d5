using System.Collections.Concurrent;
using TurboDiffusion.Engine;
using TurboDiffusion.Engine.Pipelines;
using TurboDiffusion.Engine.Runtime;
using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Farm.Progress;
using TurboDiffusion.Farm.Tests.Support;
using TurboDiffusion.Silo.Worker;
using static TorchSharp.torch;

namespace TurboDiffusion.Farm.Tests.Cluster;

/// <summary>
/// The real engine with its built-in tiny model on the CPU in a two-silo cluster on real Redis: the silo rendering a
/// job is killed mid-denoise, the other goes on from the last saved step, and the job's latent and MP4 bytes are
/// those of an uninterrupted render with the same seed.
/// </summary>
[Collection(MultiSiloGroup.Name)]
public sealed class TinyEngineResumeTests : IAsyncDisposable
{
    private readonly PrefixedRedisStore redis = new();
    private readonly string scratch = Directory.CreateTempSubdirectory("tiny-resume-").FullName;

    public TinyEngineResumeTests() => TorchRuntime.EnsureLoaded();

    [Fact]
    public async Task A_tiny_render_killed_mid_denoise_resumes_on_another_silo_with_the_same_latent_and_mp4_bytes()
    {
        var ct = TestContext.Current.CancellationToken;
        var spec = new JobSpec("a heron lands on a pier", "tiny", JobResolution.P144, JobAspect.Landscape16x9, 17, 4, 2026, JobPriority.Normal, "studio-a", null);
        var spies = new ConcurrentDictionary<string, CheckpointSpy>();
        await using var farm = await TestFarm.StartWithEnginesAsync(2, name => spies.GetOrAdd(name, _ => new CheckpointSpy(new WarmVideoEngine(CPU))), store: await redis.OpenAsync());
        var job = await farm.SubmitAsync(spec);
        await TestFarm.WaitUntilAsync(
            async () => (await farm.Progress.ReadAsync(job.JobId, null, InMemoryProgressLog.EventsPerJob, ct)).Any(e => e.Stage == JobStage.Denoising && e.Done >= 2),
            "2 denoising steps", seconds: 120);
        var doomed = (await farm.WaitForStatusAsync(job.JobId, JobStatus.Running)).Lease!.WorkerId;

        await farm.Cluster.KillSiloAsync(farm.SiloNamed(doomed), ct);
        var done = await farm.WaitForStatusAsync(job.JobId, JobStatus.Succeeded, seconds: 180);
        var (whole, wholeSteps) = await UninterruptedAsync(spec, ct);

        var survivor = spies[done.Attempts[^1].WorkerId];
        Assert.NotEqual(doomed, done.Attempts[^1].WorkerId);
        var resumed = Assert.Single(survivor.Resumed);
        Assert.InRange(resumed.StepsSkipped, 2, 4);
        TestContext.Current.TestOutputHelper?.WriteLine($"resumed after step {resumed.StepsSkipped} of 4");
        var finalLatents = spies.Values.SelectMany(s => s.Saved).Where(c => c.StepsDone == 4).ToList();
        Assert.NotEmpty(finalLatents);
        Assert.All(finalLatents, latent => Assert.Equal(wholeSteps[^1].Latent.ToArray(), latent.Latent.ToArray()));
        await using var video = await farm.Artifacts.OpenReadAsync(done.Artifact!, done.Artifact!.VideoName, ct);
        using var stored = new MemoryStream();
        await video.CopyToAsync(stored, ct);
        Assert.Equal(await File.ReadAllBytesAsync(whole, ct), stored.ToArray());
        Assert.Equal(1, await farm.MetricAsync("turbo_resumes_total"));
    }

    public async ValueTask DisposeAsync()
    {
        await redis.DisposeAsync();
        Directory.Delete(scratch, recursive: true);
    }

    /// <summary>The same job rendered once, start to end, on an engine of its own.</summary>
    private async Task<(string Video, List<DenoiseCheckpoint> Steps)> UninterruptedAsync(JobSpec spec, CancellationToken ct)
    {
        using var engine = new WarmVideoEngine(CPU);
        var steps = new List<DenoiseCheckpoint>();
        var result = await engine.GenerateAsync(VideoRequestMapper.Map(spec, Path.Combine(scratch, "whole.mp4")), new RenderCheckpoints(null, steps.Add), cancellationToken: ct);
        return (result.VideoPath, steps);
    }

    /// <summary>The real engine, recording the checkpoints it saves and the resumes it reports.</summary>
    private sealed class CheckpointSpy(IVideoEngine inner) : ForwardingEngine(inner)
    {
        public ConcurrentQueue<DenoiseCheckpoint> Saved { get; } = new();

        public ConcurrentQueue<ResumedRender> Resumed { get; } = new();

        public override RenderInFlight Start(VideoRequest request, RenderCheckpoints? checkpoints, IProgress<GenerationProgress>? progress = null, CancellationToken cancellationToken = default)
        {
            var render = Inner.Start(request, checkpoints is null ? null : checkpoints with { Save = c => { Saved.Enqueue(c); checkpoints.Save(c); } }, progress, cancellationToken);
            return render with { Video = RecordResumeAsync(render.Video) };
        }

        private async Task<VideoResult> RecordResumeAsync(Task<VideoResult> video)
        {
            var result = await video;
            if (result.Resumed is { } resumed)
            {
                Resumed.Enqueue(resumed);
            }

            return result;
        }
    }
}
