using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Farm.Tests.Support;
using TurboDiffusion.Silo.Simulation;

namespace TurboDiffusion.Farm.Tests.Cluster;

/// <summary>Batches larger than the tenant's quota: the excess is held in the store and released as the queue drains.</summary>
[Collection(MultiSiloGroup.Name)]
public sealed class HeldBatchTests : IAsyncDisposable
{
    private const string BlockerPrompt = "block the only worker";
    private readonly PrefixedRedisStore redis = new();

    private static Dictionary<string, string?> Quota(int perTenant, int perPool = 1000) => new()
    {
        ["Turbo:Admission:MaxQueuedPerTenant"] = perTenant.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Turbo:Admission:MaxQueuedPerPool"] = perPool.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    [Fact]
    public async Task A_batch_over_the_tenant_quota_holds_its_excess_and_runs_it_in_upload_order_as_the_queue_drains()
    {
        await using var farm = await TestFarm.StartAsync(1, _ => new SimulatedVideoEngine
        {
            Behavior = (request, _) => request.Prompt == BlockerPrompt ? SimulatedBehavior.Hang : SimulatedBehavior.Succeed,
        }, Quota(perTenant: 3));
        var blocker = await farm.SubmitAsync(Specs.Job(tenant: "ops", prompt: BlockerPrompt));
        await farm.WaitForStatusAsync(blocker.JobId, JobStatus.Running);

        var summary = await farm.Client.SubmitBatchAsync(Specs.Shots(10, "over-quota", steps: 1));
        var snapshot = await farm.Scheduler().GetSnapshot();
        var why = (await farm.Scheduler().Estimate(JobIds.ForBatchItem(summary.BatchId, 9)))?.Reason;
        await farm.Job(blocker.JobId).Cancel();
        var done = new List<JobState>();
        foreach (var id in Specs.ItemIds(summary.BatchId, 10))
        {
            done.Add(await farm.WaitForStatusAsync(id, JobStatus.Succeeded));
        }

        Assert.Equal(new Dictionary<JobStatus, int> { [JobStatus.Queued] = 3, [JobStatus.Held] = 7 }, summary.Counts.ToDictionary());
        Assert.Equal(7, summary.Held);
        Assert.Equal(0, summary.Rejected);
        Assert.Equal(3, snapshot.Depth);
        Assert.Equal(7, snapshot.Held);
        Assert.Contains("6 of its held jobs go first", why, StringComparison.Ordinal);
        Assert.Contains("MaxQueuedPerTenant", why, StringComparison.Ordinal);
        Assert.Equal(Specs.ItemIds(summary.BatchId, 10), done.OrderBy(j => j.Timings.LeasedAt).Select(j => j.JobId));
        Assert.All(done, j => Assert.Single(j.Attempts));
    }

    [Fact]
    public async Task Cancelling_a_batch_cancels_its_held_items_and_the_pool_bound_still_refuses_what_does_not_fit()
    {
        await using var farm = await TestFarm.StartAsync(1, engine: null, Quota(perTenant: 2, perPool: 6));

        var summary = await farm.Client.SubmitBatchAsync(Specs.Shots(8, "past-the-bound", steps: 1));
        var room = await farm.Scheduler().Room("studio-a");
        var canceled = await farm.Client.GetGrain<IBatchGrain>(summary.BatchId).Cancel();
        var after = await farm.Scheduler().GetSnapshot();

        Assert.Equal(new Dictionary<JobStatus, int> { [JobStatus.Queued] = 2, [JobStatus.Held] = 4 }, summary.Counts.ToDictionary());
        Assert.Equal(2, summary.Rejected);
        Assert.Equal(new AdmissionRoom(0, 4, 0, 6, 6, TimeSpan.FromSeconds(30), "jobs"), room);
        Assert.Equal(new Dictionary<JobStatus, int> { [JobStatus.Canceled] = 6 }, canceled.Counts.ToDictionary());
        Assert.Equal(0, after.Depth);
        Assert.Equal(0, after.Held);
        Assert.Equal(new AdmissionRoom(2, 0, 6, 0, 6, TimeSpan.FromSeconds(30), "jobs"), await farm.Scheduler().Room("studio-a"));
    }

    [Fact]
    public async Task Held_items_stored_in_redis_survive_a_restart_of_every_silo_and_run_in_upload_order_after_it()
    {
        var store = await redis.OpenAsync();
        string batchId;
        await using (var before = await TestFarm.StartAsync(1, engine: null, Quota(perTenant: 2), store))
        {
            var summary = await before.Client.SubmitBatchAsync(Specs.Shots(6, "across-a-restart", steps: 1));
            batchId = summary.BatchId;
            Assert.Equal(new Dictionary<JobStatus, int> { [JobStatus.Queued] = 2, [JobStatus.Held] = 4 }, summary.Counts.ToDictionary());
        }

        await using var after = await TestFarm.StartAsync(1, _ => new SimulatedVideoEngine(), Quota(perTenant: 2), store);
        var done = new List<JobState>();
        foreach (var id in Specs.ItemIds(batchId, 6))
        {
            done.Add(await after.WaitForStatusAsync(id, JobStatus.Succeeded, seconds: 40));
        }

        var final = await after.Client.GetGrain<IBatchGrain>(batchId).GetSummary();
        Assert.Equal(Specs.ItemIds(batchId, 6), done.OrderBy(j => j.Timings.LeasedAt).Select(j => j.JobId));
        Assert.All(done, j => Assert.Single(j.Attempts));
        Assert.Equal(new Dictionary<JobStatus, int> { [JobStatus.Succeeded] = 6 }, final.Counts.ToDictionary());
        Assert.Empty(await store.ListActiveAsync("default", TestContext.Current.CancellationToken));
    }

    public ValueTask DisposeAsync() => redis.DisposeAsync();
}
