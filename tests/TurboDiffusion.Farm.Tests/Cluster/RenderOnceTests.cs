using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Farm.Tests.Support;
using TurboDiffusion.Silo.Simulation;

namespace TurboDiffusion.Farm.Tests.Cluster;

/// <summary>A job identical to a finished one is answered from a copy of its files, on a multi-silo farm with its job state in Redis.</summary>
[Collection(MultiSiloGroup.Name)]
public sealed class RenderOnceTests : IAsyncDisposable
{
    private readonly PrefixedRedisStore redis = new();

    private static JobSpec Shot(string tenant = "studio-a", bool dedupe = true) =>
        Specs.Job(tenant: tenant, prompt: "a paper boat on a rain-swept street") with { Dedupe = dedupe };

    private static SimulatedVideoEngine Engine() => new() { StepTime = TimeSpan.FromMilliseconds(20) };

    [Fact]
    public async Task An_identical_job_is_answered_from_a_copy_of_the_finished_renders_files_without_rendering()
    {
        await using var farm = await TestFarm.StartAsync(2, _ => Engine(), store: await redis.OpenAsync());
        var first = await farm.WaitForStatusAsync((await farm.SubmitAsync(Shot())).JobId, JobStatus.Succeeded);

        var second = await farm.WaitForStatusAsync((await farm.SubmitAsync(Shot())).JobId, JobStatus.Succeeded);

        Assert.Equal(1, farm.Engines.Values.Sum(e => e.Generations));
        Assert.Null(first.Artifact!.ReusedFrom);
        Assert.Equal(first.JobId, second.Artifact!.ReusedFrom);
        Assert.Equal(first.Artifact.ContentKey, second.Artifact.ContentKey);
        Assert.NotEqual(first.Artifact.Prefix, second.Artifact.Prefix);
        Assert.Contains(second.JobId, second.Artifact.Prefix, StringComparison.Ordinal);
        Assert.Equal(await ReadAsync(farm, first.Artifact, first.Artifact.VideoName), await ReadAsync(farm, second.Artifact, second.Artifact.VideoName));
        Assert.Equal(await ReadAsync(farm, first.Artifact, first.Artifact.SidecarName), await ReadAsync(farm, second.Artifact, second.Artifact.SidecarName));
        Assert.Equal(first.Artifact.Bytes, second.Artifact.Bytes);
        // The engine's 4 steps of 20 ms as the worker measures them: timers may fire a little early, so the bound sits below 80 ms.
        Assert.True(first.Artifact.RenderSeconds > 0.05, $"the render took {first.Artifact.RenderSeconds} s for 4 steps of 20 ms");
        Assert.Equal(first.Artifact.RenderSeconds, second.Artifact.RenderSeconds);
        Assert.Equal(1, await farm.MetricAsync("turbo_dedupe_hits_total", "pool=\"default\""));
        Assert.Equal(first.Artifact.RenderSeconds, await farm.MetricAsync("turbo_dedupe_gpu_seconds_saved_total", "pool=\"default\""), 6);
    }

    [Theory]
    [InlineData(false, 2)]
    [InlineData(true, 1)]
    public async Task Another_tenants_identical_job_renders_anew_unless_dedupe_across_tenants_is_set(bool acrossTenants, int renders)
    {
        var settings = new Dictionary<string, string?> { ["Turbo:Dedupe:AcrossTenants"] = acrossTenants ? "true" : "false" };
        await using var farm = await TestFarm.StartAsync(1, _ => Engine(), settings, store: await redis.OpenAsync());
        var first = await farm.WaitForStatusAsync((await farm.SubmitAsync(Shot(tenant: "studio-a"))).JobId, JobStatus.Succeeded);

        var other = await farm.WaitForStatusAsync((await farm.SubmitAsync(Shot(tenant: "studio-b"))).JobId, JobStatus.Succeeded);

        Assert.Equal(renders, farm.Engines.Values.Sum(e => e.Generations));
        Assert.Equal(acrossTenants ? first.JobId : null, other.Artifact!.ReusedFrom);
        Assert.StartsWith("studio-b/", other.Artifact.Prefix, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_job_that_opts_out_or_whose_match_lost_its_files_renders_and_the_new_render_serves_the_next()
    {
        await using var farm = await TestFarm.StartAsync(1, _ => Engine(), store: await redis.OpenAsync());
        var first = await farm.WaitForStatusAsync((await farm.SubmitAsync(Shot())).JobId, JobStatus.Succeeded);
        var optedOut = await farm.WaitForStatusAsync((await farm.SubmitAsync(Shot(dedupe: false))).JobId, JobStatus.Succeeded);

        await farm.Artifacts.DiscardAsync(first.Spec.Tenant, first.JobId, first.Artifact!.LeaseToken, TestContext.Current.CancellationToken);
        var afterLoss = await farm.WaitForStatusAsync((await farm.SubmitAsync(Shot())).JobId, JobStatus.Succeeded);
        var next = await farm.WaitForStatusAsync((await farm.SubmitAsync(Shot())).JobId, JobStatus.Succeeded);

        Assert.Null(optedOut.Artifact!.ReusedFrom);
        Assert.Null(optedOut.Artifact.ContentKey);
        Assert.Null(afterLoss.Artifact!.ReusedFrom);
        Assert.Equal(first.Artifact.ContentKey, afterLoss.Artifact.ContentKey);
        Assert.Equal(afterLoss.JobId, next.Artifact!.ReusedFrom);
        Assert.Equal(3, farm.Engines.Values.Sum(e => e.Generations));
        Assert.Single(afterLoss.Attempts);
    }

    [Fact]
    public async Task Batch_items_identical_to_a_finished_job_are_answered_from_it()
    {
        await using var farm = await TestFarm.StartAsync(2, _ => Engine(), store: await redis.OpenAsync());
        var first = await farm.WaitForStatusAsync((await farm.SubmitAsync(Shot())).JobId, JobStatus.Succeeded);

        var batch = await farm.Client.SubmitBatchAsync(new BatchSpec("studio-a", [Shot(), Shot(), Shot() with { Seed = 7 }], IdempotencyKey: Specs.Unique("batch")));
        var items = new List<JobState>();
        for (var i = 0; i < 3; i++)
        {
            items.Add(await farm.WaitForStatusAsync(JobIds.ForBatchItem(batch.BatchId, i), JobStatus.Succeeded));
        }

        // A copy is a render of its own (same key, files of its own), so an item may be served by the other item's copy.
        Assert.Contains(items[0].Artifact!.ReusedFrom, new[] { first.JobId, items[1].JobId });
        Assert.Contains(items[1].Artifact!.ReusedFrom, new[] { first.JobId, items[0].JobId });
        Assert.Null(items[2].Artifact!.ReusedFrom);
        Assert.Equal(2, farm.Engines.Values.Sum(e => e.Generations));
    }

    public ValueTask DisposeAsync() => redis.DisposeAsync();

    private static async Task<byte[]> ReadAsync(TestFarm farm, ArtifactRef artifact, string name)
    {
        await using var stream = await farm.Artifacts.OpenReadAsync(artifact, name, TestContext.Current.CancellationToken);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy, TestContext.Current.CancellationToken);
        return copy.ToArray();
    }
}
