using System.Globalization;
using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Farm.Tests.Support;
using TurboDiffusion.Silo.Simulation;

namespace TurboDiffusion.Farm.Tests.Cluster;

/// <summary>
/// A tenant quota in estimated GPU-seconds (Turbo:Admission:QuotaUnit gpu-seconds). The test model costs 10 GPU-seconds
/// a step at the jobs' size (832x480x81, 32,760 tokens), so a 2-step job counts 20 against a quota of 50: two fit.
/// </summary>
[Collection(MultiSiloGroup.Name)]
public sealed class GpuSecondsQuotaTests : IAsyncDisposable
{
    private const string BlockerPrompt = "block the only worker";
    private readonly PrefixedRedisStore redis = new();

    private static Dictionary<string, string?> Quota(double gpuSeconds) => new()
    {
        ["Turbo:Admission:QuotaUnit"] = "gpu-seconds",
        ["Turbo:Admission:MaxQueuedGpuSecondsPerTenant"] = gpuSeconds.ToString(CultureInfo.InvariantCulture),
        // Each 2-step job at the reference clip then costs 20 GPU-seconds (JobCostEstimate).
        ["Turbo:Cost:StepSeconds:tiny"] = "10",
        ["Turbo:Cost:OverheadSeconds"] = "0",
    };

    [Fact]
    public async Task A_batch_over_a_gpu_seconds_quota_holds_what_does_not_fit_and_runs_it_in_upload_order_as_the_queue_drains()
    {
        await using var farm = await TestFarm.StartAsync(1, _ => new SimulatedVideoEngine
        {
            Behavior = (request, _) => request.Prompt == BlockerPrompt ? SimulatedBehavior.Hang : SimulatedBehavior.Succeed,
        }, Quota(50));
        var blocker = await farm.SubmitAsync(Specs.Job(tenant: "ops", prompt: BlockerPrompt, steps: 1));
        await farm.WaitForStatusAsync(blocker.JobId, JobStatus.Running);

        var summary = await farm.Client.SubmitBatchAsync(Specs.Shots(6, "over-gpu-quota", steps: 2));
        var snapshot = await farm.Scheduler().GetSnapshot();
        var room = await farm.Scheduler().Room("studio-a");
        var why = (await farm.Scheduler().Estimate(JobIds.ForBatchItem(summary.BatchId, 5)))?.Reason;
        await farm.Job(blocker.JobId).Cancel();
        var done = new List<JobState>();
        foreach (var id in Specs.ItemIds(summary.BatchId, 6))
        {
            done.Add(await farm.WaitForStatusAsync(id, JobStatus.Succeeded));
        }

        Assert.Equal(new Dictionary<JobStatus, int> { [JobStatus.Queued] = 2, [JobStatus.Held] = 4 }, summary.Counts.ToDictionary());
        Assert.Equal(("gpu-seconds", 40.0, 80.0), (snapshot.QuotaUnit, snapshot.QueuedInUnit, snapshot.HeldInUnit));
        Assert.Equal(("gpu-seconds", 10.0, 4), (room.Unit, room.Queue, room.Held));
        Assert.Contains("has 40.0 GPU-seconds queued in pool 'default', its quota is 50.0 GPU-seconds (Turbo:Admission:MaxQueuedGpuSecondsPerTenant)", why, StringComparison.Ordinal);
        Assert.Contains("3 of its held jobs go first, and this one (20.0 GPU-seconds)", why, StringComparison.Ordinal);
        Assert.Equal(Specs.ItemIds(summary.BatchId, 6), done.OrderBy(j => j.Timings.LeasedAt).Select(j => j.JobId));
        Assert.All(done, j => Assert.Single(j.Attempts));
    }

    [Fact]
    public async Task A_single_job_over_a_gpu_seconds_quota_is_refused_naming_the_unit_and_how_much_would_fit()
    {
        await using var farm = await TestFarm.StartAsync(1, engine: null, Quota(50));
        await farm.SubmitAsync(Specs.Job(steps: 2));
        await farm.SubmitAsync(Specs.Job(steps: 2));

        var refused = await farm.Client.SubmitJobAsync(Specs.Job(steps: 2));
        var fits = await farm.Client.SubmitJobAsync(Specs.Job(steps: 1));
        var never = await farm.Client.SubmitJobAsync(Specs.Job(tenant: "studio-b", steps: 4) with { Resolution = JobResolution.P720 });

        Assert.Equal(AdmissionOutcome.OverQuota, refused.Admission!.Outcome);
        Assert.Equal(
            "Tenant 'studio-a' has 40.0 GPU-seconds queued in pool 'default' of its quota of 50.0 GPU-seconds (Turbo:Admission:MaxQueuedGpuSecondsPerTenant); "
            + "this job needs 20.0 GPU-seconds and 10.0 GPU-seconds would fit until its queue drains (a batch upload is held instead of refused).",
            refused.Admission.Reason);
        Assert.Equal(SubmitOutcome.Accepted, fits.Outcome);
        Assert.Equal(AdmissionOutcome.OverQuota, never.Admission!.Outcome);
        // 4 steps x 10 s x (75,600 / 32,760 tokens)^1.5: more than the whole quota, so even a batch could not hold it.
        Assert.Contains("is estimated at 140.2 GPU-seconds, more than tenant 'studio-b''s whole quota of 50.0 GPU-seconds", never.Admission.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Held_items_of_a_gpu_seconds_quota_stored_in_redis_survive_a_restart_and_run_in_upload_order()
    {
        var store = await redis.OpenAsync();
        string batchId;
        await using (var before = await TestFarm.StartAsync(1, engine: null, Quota(50), store))
        {
            var summary = await before.Client.SubmitBatchAsync(Specs.Shots(5, "gpu-quota-across-a-restart", steps: 2));
            batchId = summary.BatchId;
            Assert.Equal(new Dictionary<JobStatus, int> { [JobStatus.Queued] = 2, [JobStatus.Held] = 3 }, summary.Counts.ToDictionary());
        }

        await using var after = await TestFarm.StartAsync(1, _ => new SimulatedVideoEngine(), Quota(50), store);
        var done = new List<JobState>();
        foreach (var id in Specs.ItemIds(batchId, 5))
        {
            done.Add(await after.WaitForStatusAsync(id, JobStatus.Succeeded, seconds: 40));
        }

        Assert.Equal(Specs.ItemIds(batchId, 5), done.OrderBy(j => j.Timings.LeasedAt).Select(j => j.JobId));
        Assert.All(done, j => Assert.Single(j.Attempts));
        Assert.Empty(await store.ListActiveAsync("default", TestContext.Current.CancellationToken));
    }

    public ValueTask DisposeAsync() => redis.DisposeAsync();
}
