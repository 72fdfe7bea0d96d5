using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Farm.Tests.Support;
using TurboDiffusion.Silo.Simulation;

namespace TurboDiffusion.Farm.Tests.Cluster;

/// <summary>
/// Estimates on a steady farm: three silos with simulated engines at a fixed step time, job state in the real Redis.
/// Turbo:Cost prices these jobs at about 20 s where they take about a second, so only what the workers measured can
/// bring the estimates close.
/// </summary>
[Collection(MultiSiloGroup.Name)]
public sealed class EstimateTests : IAsyncDisposable
{
    private static readonly TimeSpan StepTime = TimeSpan.FromMilliseconds(200);
    private static readonly Dictionary<string, string?> WarmTiny = new() { ["Turbo:Worker:Preload:0"] = "tiny" };

    private readonly PrefixedRedisStore redis = new();

    [Fact]
    public async Task Estimates_of_queued_jobs_converge_within_20_percent_of_when_they_start_and_finish()
    {
        await using var farm = await TestFarm.StartAsync(3, _ => new SimulatedVideoEngine { StepTime = StepTime }, WarmTiny, await redis.OpenAsync());
        await WaitForWorkersAsync(farm, 3);
        var jobs = new List<JobState>();
        for (var i = 0; i < 60; i++)
        {
            jobs.Add(await farm.SubmitAsync(Specs.Job(tenant: i % 2 == 0 ? "studio-a" : "studio-b", key: $"steady-{i}")));
        }

        var unmeasured = (await farm.Scheduler().Estimate(jobs[^1].JobId))!;
        foreach (var job in jobs.Take(12))
        {
            await farm.WaitForStatusAsync(job.JobId, JobStatus.Succeeded, seconds: 60);
        }

        var at = DateTimeOffset.UtcNow;
        var estimates = await farm.Scheduler().Estimates([.. jobs.Select(j => j.JobId)]);
        var finished = await Task.WhenAll(jobs.Select(j => farm.WaitForStatusAsync(j.JobId, JobStatus.Succeeded, seconds: 90)));

        var waited = finished.Where(j => estimates.TryGetValue(j.JobId, out var e) && e.Position is not null && j.Timings.LeasedAt!.Value - at >= TimeSpan.FromSeconds(1.5)).ToList();
        Assert.True(waited.Count >= 30, $"only {waited.Count} estimated jobs waited 1.5 s or more");
        Assert.All(waited, job =>
        {
            var estimate = estimates[job.JobId];
            Assert.Equal(CostSource.Measured, estimate.Cost.Source);
            AssertWithin(estimate.StartAt!.Value, job.Timings.LeasedAt!.Value, at, $"start of {job.JobId} at position {estimate.Position}");
            AssertWithin(estimate.FinishAt!.Value, job.Timings.FinishedAt!.Value, at, $"finish of {job.JobId}");
        });
        var last = finished[^1];
        Assert.Equal(CostSource.Configured, unmeasured.Cost.Source);
        Assert.True(unmeasured.StartAt!.Value - jobs[^1].Timings.SubmittedAt > 2 * (last.Timings.LeasedAt!.Value - jobs[^1].Timings.SubmittedAt),
            $"the configured cost should be far off here: it expected the last job to start at {unmeasured.StartAt:O}, it started at {last.Timings.LeasedAt:O}");
    }

    [Fact]
    public async Task A_queued_job_with_no_worker_to_take_it_says_so_and_promises_no_start()
    {
        await using var farm = await TestFarm.StartAsync(1, engine: null, store: await redis.OpenAsync());

        var job = await farm.SubmitAsync(Specs.Job(key: "unserved"));
        var estimate = (await farm.Scheduler().Estimate(job.JobId))!;

        Assert.Equal((WaitingCause.NoWorker, "no worker is serving pool 'default'", 1), (estimate.Cause, estimate.Reason, estimate.Position));
        Assert.Null(estimate.StartAt);
        Assert.Empty(await farm.Scheduler().Estimates(["no-such-job"]));
    }

    public ValueTask DisposeAsync() => redis.DisposeAsync();

    /// <summary>Predicted and actual times, counted from when the estimate was made, within 20% of the actual.</summary>
    private static void AssertWithin(DateTimeOffset predicted, DateTimeOffset actual, DateTimeOffset from, string what)
    {
        var (expected, seen) = ((predicted - from).TotalSeconds, (actual - from).TotalSeconds);
        Assert.True(Math.Abs(expected - seen) <= 0.2 * seen, $"{what}: estimated {expected:0.00} s from the estimate, took {seen:0.00} s");
    }

    private static Task WaitForWorkersAsync(TestFarm farm, int count) =>
        TestFarm.WaitUntilAsync(async () => (await farm.Client.GetGrain<IWorkerRegistryGrain>("default").List()).Count(w => w.State == WorkerState.Idle) == count, $"{count} idle workers");
}
