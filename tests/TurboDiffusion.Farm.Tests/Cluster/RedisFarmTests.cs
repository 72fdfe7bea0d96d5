using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Farm.Stores;
using TurboDiffusion.Farm.Tests.Support;
using TurboDiffusion.Silo.Simulation;

namespace TurboDiffusion.Farm.Tests.Cluster;

/// <summary>The multi-silo farm with its job state in a real Redis, as in production.</summary>
[Collection(MultiSiloGroup.Name)]
public sealed class RedisFarmTests : IAsyncDisposable
{
    private readonly PrefixedRedisStore redis = new();

    [Fact]
    public async Task Silos_sharing_redis_job_state_finish_every_job_once_and_leave_no_active_index_entries()
    {
        await using var farm = await TestFarm.StartAsync(3, _ => new SimulatedVideoEngine(), store: await redis.OpenAsync());

        var submitted = await Task.WhenAll(Enumerable.Range(0, 120).Select(i => farm.SubmitAsync(Specs.Job(tenant: i % 2 == 0 ? "studio-a" : "studio-b"))));
        var finished = await Task.WhenAll(submitted.Select(j => farm.WaitForStatusAsync(j.JobId, JobStatus.Succeeded, seconds: 60)));

        Assert.All(finished, j => Assert.Single(j.Attempts));
        Assert.Empty(await farm.Store.ListActiveAsync("default", TestContext.Current.CancellationToken));
        var page = await farm.Store.ListAsync(new JobQuery(Tenant: "studio-b", Status: JobStatus.Succeeded, Limit: 1000), TestContext.Current.CancellationToken);
        Assert.Equal(60, page.Jobs.Count);
    }

    [Fact]
    public async Task A_job_on_a_killed_silo_finishes_elsewhere_with_redis_job_state()
    {
        await using var farm = await TestFarm.StartAsync(3, _ => new SimulatedVideoEngine { StepTime = TimeSpan.FromMilliseconds(800) }, store: await redis.OpenAsync());
        var job = await farm.SubmitAsync(Specs.Job());
        var running = await farm.WaitForStatusAsync(job.JobId, JobStatus.Running);

        await farm.Cluster.KillSiloAsync(farm.SiloNamed(running.Lease!.WorkerId), TestContext.Current.CancellationToken);
        var done = await farm.WaitForStatusAsync(job.JobId, JobStatus.Succeeded, seconds: 40);

        Assert.Equal(2, done.Attempts.Length);
        Assert.Equal(1, done.InfrastructureRequeues);
        Assert.Equal([done.Artifact!.LeaseToken], await farm.Artifacts.ListAttemptsAsync("studio-a", job.JobId, TestContext.Current.CancellationToken));
    }

    public ValueTask DisposeAsync() => redis.DisposeAsync();
}
