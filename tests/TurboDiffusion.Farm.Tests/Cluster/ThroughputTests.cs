using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Farm.Tests.Support;
using TurboDiffusion.Silo.Simulation;

namespace TurboDiffusion.Farm.Tests.Cluster;

[Collection(MultiSiloGroup.Name)]
public sealed class ThroughputTests
{
    [Fact]
    public async Task Three_silos_finish_every_job_once_and_share_the_work()
    {
        await using var farm = await TestFarm.StartAsync(3, _ => new SimulatedVideoEngine());
        var tenants = new[] { "studio-a", "studio-b" };

        var submitted = await Task.WhenAll(Enumerable.Range(0, 300).Select(i => farm.SubmitAsync(Specs.Job(tenant: tenants[i % 2], key: $"k{i}"))));
        var finished = await Task.WhenAll(submitted.Select(j => farm.WaitForStatusAsync(j.JobId, JobStatus.Succeeded, seconds: 60)));

        Assert.All(finished, j => Assert.Single(j.Attempts));
        Assert.Equal(300, farm.Engines.Values.Sum(e => e.Generations));
        Assert.Equal(3, finished.Select(j => j.Attempts[0].WorkerId).Distinct().Count());
        Assert.Equal(300, await farm.MetricAsync("turbo_jobs_completed_total", "outcome=\"succeeded\""));
        Assert.Equal(0, (await farm.Scheduler().GetSnapshot()).Depth);
    }

    [Fact]
    public async Task A_finished_job_has_its_artifact_progress_stream_and_timings()
    {
        await using var farm = await TestFarm.StartAsync(1, _ => new SimulatedVideoEngine());

        var job = await farm.SubmitAsync(Specs.Job() with { WriteFrames = true, Frames = 9 });
        var done = await farm.WaitForStatusAsync(job.JobId, JobStatus.Succeeded);

        var artifact = done.Artifact!;
        await using var video = await farm.Artifacts.OpenReadAsync(artifact, artifact.VideoName, TestContext.Current.CancellationToken);
        using var reader = new StreamReader(video);
        Assert.Contains("a red fox running through snow", await reader.ReadToEndAsync(TestContext.Current.CancellationToken));
        Assert.Equal(9, artifact.FrameCount);
        Assert.True(done.Timings.SubmittedAt <= done.Timings.LeasedAt && done.Timings.LeasedAt <= done.Timings.StartedAt && done.Timings.StartedAt <= done.Timings.UploadStartedAt && done.Timings.UploadStartedAt <= done.Timings.FinishedAt);
        var events = await farm.Progress.ReadAsync(job.JobId, null, 100, TestContext.Current.CancellationToken);
        Assert.Equal([1, 2, 3, 4], events.Where(e => e.Stage == JobStage.Denoising).Select(e => e.Done));
        Assert.Contains(events, e => e.Stage == JobStage.Uploading);
        Assert.Equal(1, await farm.MetricAsync("turbo_job_run_seconds_count", "model=\"tiny\""));
        Assert.Equal(4, await farm.MetricAsync("turbo_engine_step_seconds_count", "model=\"tiny\""));
    }
}
