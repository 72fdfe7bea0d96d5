using System.Globalization;
using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Farm.Options;
using TurboDiffusion.Farm.Scheduling;
using TurboDiffusion.Farm.Stores;
using TurboDiffusion.Farm.Tests.Support;
using TurboDiffusion.Silo.Simulation;

namespace TurboDiffusion.Farm.Tests.Cluster;

/// <summary>The gauges a cluster autoscaler sizes each pool by: its backlog of work and its workers per state.</summary>
[Collection(MultiSiloGroup.Name)]
public sealed class AutoscalingSignalTests
{
    private const string BlockerPrompt = "block the only worker";

    [Fact]
    public async Task The_backlog_gauge_is_the_sum_of_the_queued_and_held_jobs_estimates_and_falls_as_they_leave()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Turbo:Cost:StepSeconds:tiny"] = "0.5",
            ["Turbo:Cost:OverheadSeconds"] = "2",
            ["Turbo:Admission:MaxQueuedPerTenant"] = "4",
        };
        await using var farm = await TestFarm.StartAsync(1, engine: null, settings);
        JobSpec[] singles =
        [
            Specs.Job(prompt: "a", steps: 1),
            Specs.Job(prompt: "b", steps: 4) with { Resolution = JobResolution.P720 },
            Specs.Job(prompt: "c", steps: 2) with { Frames = 161, Aspect = JobAspect.Square1x1 },
        ];
        var queued = new List<JobState>();
        foreach (var spec in singles)
        {
            queued.Add(await farm.SubmitAsync(spec));
        }

        var batch = await farm.Client.SubmitBatchAsync(new BatchSpec("studio-a", [.. Enumerable.Range(0, 5).Select(i => Specs.Job(prompt: $"shot {i}", steps: 3) with { Resolution = JobResolution.P144 })], IdempotencyKey: Specs.Unique("backlog")));
        var estimate = new JobCostEstimate(new JobCostOptions { StepSeconds = { ["tiny"] = 0.5 }, OverheadSeconds = 2 });
        var batchJobs = await farm.Store.ListAsync(new JobQuery(BatchId: batch.BatchId), TestContext.Current.CancellationToken);
        var expected = queued.Concat(batchJobs.Jobs).Sum(j => estimate.GpuSeconds(QueueTicket.For(j.JobId, j.Spec, j.Timings.QueuedAt, j.Timings.SubmittedAt)));
        await TestFarm.WaitUntilAsync(async () => Math.Abs(await Backlog(farm) - expected) < 1e-6, $"the backlog gauge to read {expected.ToString(CultureInfo.InvariantCulture)}");
        var snapshot = await farm.Scheduler().GetSnapshot();

        await farm.Job(queued[1].JobId).Cancel();
        var afterCancel = expected - estimate.GpuSeconds(QueueTicket.For(queued[1].JobId, queued[1].Spec, queued[1].Timings.QueuedAt, queued[1].Timings.SubmittedAt));
        await TestFarm.WaitUntilAsync(async () => Math.Abs(await Backlog(farm) - afterCancel) < 1e-6, "the backlog to drop by the canceled job's estimate");

        Assert.Equal(4, batch.Held);
        Assert.Equal(8, batchJobs.Jobs.Count + queued.Count);
        Assert.Equal(expected, snapshot.BacklogGpuSeconds, 6);
        Assert.True(expected > 0);
    }

    [Fact]
    public async Task The_workers_gauge_counts_each_pools_workers_by_state()
    {
        await using var farm = await TestFarm.StartAsync(2, _ => new SimulatedVideoEngine
        {
            Behavior = (request, _) => request.Prompt == BlockerPrompt ? SimulatedBehavior.Hang : SimulatedBehavior.Succeed,
        });
        await TestFarm.WaitUntilAsync(async () => await farm.MetricAsync("turbo_pool_workers", "pool=\"default\"", "state=\"idle\"") == 2, "both workers to show idle");

        var blocker = await farm.SubmitAsync(Specs.Job(prompt: BlockerPrompt));
        await farm.WaitForStatusAsync(blocker.JobId, JobStatus.Running);
        await TestFarm.WaitUntilAsync(async () => await farm.MetricAsync("turbo_pool_workers", "pool=\"default\"", "state=\"busy\"") == 1, "one worker to show busy");
        var idle = await farm.MetricAsync("turbo_pool_workers", "pool=\"default\"", "state=\"idle\"");
        await farm.Job(blocker.JobId).Cancel();

        Assert.Equal(1, idle);
        Assert.Equal(2, await farm.MetricAsync("turbo_pool_workers", "pool=\"default\""));
    }

    private static Task<double> Backlog(TestFarm farm) => farm.MetricAsync("turbo_pool_backlog_gpu_seconds", "pool=\"default\"");
}
