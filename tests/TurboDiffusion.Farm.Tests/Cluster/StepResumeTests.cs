using System.Diagnostics;
using TurboDiffusion.Engine;
using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Farm.Progress;
using TurboDiffusion.Farm.Tests.Support;
using TurboDiffusion.Silo.Simulation;
using TurboDiffusion.Silo.Worker;

namespace TurboDiffusion.Farm.Tests.Cluster;

/// <summary>
/// Step checkpoints on a multi-silo cluster with the simulated engine: a job whose attempt is killed or drained goes
/// on elsewhere from its last saved step, a damaged or foreign checkpoint is ignored, and none is left when the job ends.
/// </summary>
[Collection(MultiSiloGroup.Name)]
public sealed class StepResumeTests
{
    private static SimulatedVideoEngine Slow(string _) => new() { StepTime = TimeSpan.FromMilliseconds(400) };

    [Fact]
    public async Task A_job_on_a_killed_silo_goes_on_elsewhere_from_its_last_saved_step_and_leaves_no_checkpoint()
    {
        await using var farm = await TestFarm.StartAsync(3, Slow);
        var job = await farm.SubmitAsync(Specs.Job());
        var running = await DenoisedAsync(farm, job.JobId, steps: 2);
        var doomed = running.Lease!.WorkerId;

        await farm.Cluster.KillSiloAsync(farm.SiloNamed(doomed), TestContext.Current.CancellationToken);
        var done = await farm.WaitForStatusAsync(job.JobId, JobStatus.Succeeded, seconds: 40);

        var resumedAt = Assert.Single(farm.Engines.Where(e => e.Key != doomed).SelectMany(e => e.Value.ResumedAt));
        Assert.InRange(resumedAt, 2, 4);
        Assert.Equal(doomed, done.Attempts[0].WorkerId);
        Assert.Equal(0, done.EngineFailures);
        Assert.Equal(1, await farm.MetricAsync("turbo_resumes_total"));
        // The saved steps' time as the engine's clock measured it: 400 ms each, less the fraction of a millisecond by
        // which a timer may fire early on that clock.
        Assert.InRange(await farm.MetricAsync("turbo_resume_gpu_seconds_saved_total"), (0.4 * resumedAt) - 0.01, 60);
        Assert.False(Directory.Exists(CheckpointFolder(farm, job.JobId)));
        Assert.Equal([done.Artifact!.LeaseToken], await farm.Artifacts.ListAttemptsAsync("studio-a", job.JobId, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_draining_silo_hands_back_at_the_next_step_with_it_saved_instead_of_waiting_out_its_grace()
    {
        await using var farm = await TestFarm.StartAsync(2, _ => new SimulatedVideoEngine { StepTime = TimeSpan.FromMilliseconds(600) }, new Dictionary<string, string?>
        {
            ["Turbo:Worker:DrainGracePeriod"] = "00:00:30",
        });
        var job = await farm.SubmitAsync(Specs.Job());
        var running = await DenoisedAsync(farm, job.JobId, steps: 1);
        var draining = running.Lease!.WorkerId;
        var clock = Stopwatch.StartNew();

        await farm.Cluster.StopSiloAsync(farm.SiloNamed(draining), TestContext.Current.CancellationToken);
        var stopped = clock.Elapsed;
        var done = await farm.WaitForStatusAsync(job.JobId, JobStatus.Succeeded, seconds: 30);

        Assert.True(stopped < TimeSpan.FromSeconds(15), $"the drain took {stopped}, as if it waited out the 30 s grace");
        Assert.Equal(AttemptOutcome.Drained, done.Attempts[0].Outcome);
        Assert.NotEqual(draining, done.Attempts[1].WorkerId);
        Assert.InRange(Assert.Single(farm.Engines[done.Attempts[1].WorkerId].ResumedAt), 1, 4);
        Assert.Equal(0, done.EngineFailures);
    }

    [Theory]
    [InlineData("cut")]
    [InlineData("another render")]
    public async Task A_damaged_or_foreign_checkpoint_is_ignored_and_the_job_renders_from_the_first_step(string damage)
    {
        await using var farm = await TestFarm.StartAsync(3, Slow);
        var job = await farm.SubmitAsync(Specs.Job());
        var running = await DenoisedAsync(farm, job.JobId, steps: 2);
        var doomed = running.Lease!.WorkerId;

        await farm.Cluster.KillSiloAsync(farm.SiloNamed(doomed), TestContext.Current.CancellationToken);
        var saved = Path.Combine(CheckpointFolder(farm, job.JobId), "step.bin");
        var content = await File.ReadAllBytesAsync(saved, TestContext.Current.CancellationToken);
        await File.WriteAllBytesAsync(saved, damage == "cut" ? content[..^40] : Foreign(content), TestContext.Current.CancellationToken);
        var done = await farm.WaitForStatusAsync(job.JobId, JobStatus.Succeeded, seconds: 40);

        Assert.Empty(farm.Engines.SelectMany(e => e.Value.ResumedAt));
        Assert.Equal(2, done.Attempts.Length);
        Assert.Equal(0, await farm.MetricAsync("turbo_resumes_total"));
    }

    [Fact]
    public async Task With_checkpoint_steps_off_a_job_on_a_killed_silo_renders_again_from_the_first_step()
    {
        await using var farm = await TestFarm.StartAsync(3, Slow, new Dictionary<string, string?> { ["Turbo:Worker:CheckpointSteps"] = "false" });
        var job = await farm.SubmitAsync(Specs.Job());
        var running = await DenoisedAsync(farm, job.JobId, steps: 2);

        Assert.False(Directory.Exists(CheckpointFolder(farm, job.JobId)));
        await farm.Cluster.KillSiloAsync(farm.SiloNamed(running.Lease!.WorkerId), TestContext.Current.CancellationToken);
        await farm.WaitForStatusAsync(job.JobId, JobStatus.Succeeded, seconds: 40);

        Assert.Empty(farm.Engines.SelectMany(e => e.Value.ResumedAt));
    }

    [Fact]
    public async Task A_canceled_job_leaves_no_step_checkpoint()
    {
        await using var farm = await TestFarm.StartAsync(1, Slow);
        var job = await farm.SubmitAsync(Specs.Job());
        await DenoisedAsync(farm, job.JobId, steps: 1);

        await farm.Job(job.JobId).Cancel();
        await farm.WaitForStatusAsync(job.JobId, JobStatus.Canceled);

        await TestFarm.WaitUntilAsync(() => Task.FromResult(!Directory.Exists(CheckpointFolder(farm, job.JobId))), "the step checkpoint removed");
    }

    /// <summary>Waits until the job's progress log shows <paramref name="steps"/> finished denoising steps; the job as it is then.</summary>
    private static async Task<JobState> DenoisedAsync(TestFarm farm, string jobId, int steps)
    {
        await TestFarm.WaitUntilAsync(
            async () => (await farm.Progress.ReadAsync(jobId, null, InMemoryProgressLog.EventsPerJob, TestContext.Current.CancellationToken)).Any(e => e.Stage == JobStage.Denoising && e.Done >= steps),
            $"{steps} denoising steps of job {jobId}");
        return await farm.WaitForStatusAsync(jobId, JobStatus.Running);
    }

    private static string CheckpointFolder(TestFarm farm, string jobId) => Path.Combine(farm.ArtifactsDirectory, "studio-a", jobId, "step-checkpoint");

    /// <summary>The same checkpoint saved under another render key: a render whose spec or engine differed.</summary>
    private static byte[] Foreign(byte[] content)
    {
        var (_, checkpoint) = StepCheckpointFile.Read(content);
        return StepCheckpointFile.Write(new string('0', 64), checkpoint);
    }
}
