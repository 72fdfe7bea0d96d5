using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;
using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Farm.Stores;
using TurboDiffusion.Farm.Stores.Redis;
using TurboDiffusion.Farm.Tests.Support;

namespace TurboDiffusion.Farm.Tests.Stores;

/// <summary>The job store contract on a real Redis, each test under its own key prefix.</summary>
public sealed class RedisJobStoreTests : JobStoreContract, IAsyncDisposable
{
    private readonly string prefix = $"test:{Guid.NewGuid():N}:";

    protected override async Task<IJobStore> CreateStoreAsync() => Create(await RealServices.RedisAsync(), new FakeTimeProvider(T0));

    [Fact]
    public async Task Finished_jobs_get_the_configured_ttl_and_leave_the_active_set()
    {
        var redis = await RealServices.RedisAsync();
        var store = Create(redis, new FakeTimeProvider(T0));
        var job = JobState.Submitted(Specs.Unique("job"), Specs.Job(), "pool-x", null, T0);
        await store.TryCreateAsync(job, TestContext.Current.CancellationToken);
        var db = redis.GetDatabase();

        var ttlWhileQueued = await db.KeyTimeToLiveAsync($"{prefix}job:{job.JobId}");
        await store.UpdateAsync(job, job.CancelAsked(T0), TestContext.Current.CancellationToken);
        var ttlWhenFinished = await db.KeyTimeToLiveAsync($"{prefix}job:{job.JobId}");

        Assert.Null(ttlWhileQueued);
        Assert.InRange(ttlWhenFinished!.Value, TimeSpan.FromHours(1) - TimeSpan.FromMinutes(1), TimeSpan.FromHours(1));
        Assert.False(await db.SetContainsAsync($"{prefix}pool:pool-x:active", job.JobId));
        Assert.NotNull(await db.SortedSetScoreAsync($"{prefix}status:canceled", job.JobId));
        Assert.Null(await db.SortedSetScoreAsync($"{prefix}status:queued", job.JobId));
    }

    [Fact]
    public async Task A_listing_drops_index_entries_whose_record_expired()
    {
        var redis = await RealServices.RedisAsync();
        var store = Create(redis, new FakeTimeProvider(T0));
        var tenant = Specs.Unique("tenant");
        var kept = JobState.Submitted(Specs.Unique("job"), Specs.Job(tenant: tenant), "default", null, T0);
        var gone = JobState.Submitted(Specs.Unique("job"), Specs.Job(tenant: tenant), "default", null, T0.AddSeconds(1));
        await store.TryCreateAsync(kept, TestContext.Current.CancellationToken);
        await store.TryCreateAsync(gone, TestContext.Current.CancellationToken);
        await redis.GetDatabase().KeyDeleteAsync($"{prefix}job:{gone.JobId}");

        var page = await store.ListAsync(new JobQuery(Tenant: tenant), TestContext.Current.CancellationToken);

        Assert.Equal([kept.JobId], page.Jobs.Select(j => j.JobId));
        Assert.Null(await redis.GetDatabase().SortedSetScoreAsync($"{prefix}tenant:{tenant}", gone.JobId));
    }

    [Fact]
    public async Task Lost_or_wrong_batch_counts_show_as_inconsistent_and_a_recount_repairs_them()
    {
        var redis = await RealServices.RedisAsync();
        var store = Create(redis, new FakeTimeProvider(T0));
        var db = redis.GetDatabase();
        var batch = Specs.Unique("batch");
        var jobs = Enumerable.Range(0, 4).Select(i => JobState.Submitted(Specs.Unique("job"), Specs.Job(), "default", batch, T0.AddSeconds(i))).ToList();
        foreach (var job in jobs)
        {
            await store.TryCreateAsync(job, TestContext.Current.CancellationToken);
        }

        await store.UpdateAsync(jobs[0], jobs[0].CancelAsked(T0), TestContext.Current.CancellationToken);
        await db.HashSetAsync($"{prefix}batch:{batch}:counts", "Queued", 40);
        var wrong = await store.GetBatchCountsAsync(batch, TestContext.Current.CancellationToken);
        await db.KeyDeleteAsync($"{prefix}job:{jobs[3].JobId}");

        var repaired = await store.RecountBatchAsync(batch, TestContext.Current.CancellationToken);
        var after = await store.GetBatchCountsAsync(batch, TestContext.Current.CancellationToken);
        await db.KeyDeleteAsync($"{prefix}batch:{batch}:counts");
        var lost = await store.GetBatchCountsAsync(batch, TestContext.Current.CancellationToken);

        Assert.False(wrong!.Consistent);
        Assert.Equal(new Dictionary<JobStatus, int> { [JobStatus.Queued] = 2, [JobStatus.Canceled] = 1 }, repaired.ByStatus.OrderBy(c => c.Key).ToDictionary());
        Assert.Equal(3, repaired.Indexed);
        Assert.True(after!.Consistent);
        Assert.Null(await db.SortedSetScoreAsync($"{prefix}batch:{batch}:jobs", jobs[3].JobId));
        Assert.Null(lost);
    }

    [Fact]
    public async Task A_recount_under_concurrent_state_changes_converges_to_the_jobs()
    {
        var redis = await RealServices.RedisAsync();
        var store = Create(redis, new FakeTimeProvider(T0));
        var batch = Specs.Unique("batch");
        var jobs = Enumerable.Range(0, 300).Select(i => JobState.Submitted(Specs.Unique("job"), Specs.Job(), "default", batch, T0.AddMilliseconds(i))).ToList();
        await Task.WhenAll(jobs.Select(j => store.TryCreateAsync(j, TestContext.Current.CancellationToken)));
        await redis.GetDatabase().HashSetAsync($"{prefix}batch:{batch}:counts", "Queued", -7);

        var changes = Task.WhenAll(jobs.Select(async j =>
        {
            var leased = j.Leased(new LeaseInfo(Guid.NewGuid(), "w1", "s1", T0), T0);
            await store.UpdateAsync(j, leased, TestContext.Current.CancellationToken);
            await store.UpdateAsync(leased, leased.CancelAsked(T0), TestContext.Current.CancellationToken);
        }));
        var recounts = Task.WhenAll(Enumerable.Range(0, 20).Select(_ => store.RecountBatchAsync(batch, TestContext.Current.CancellationToken)));
        await Task.WhenAll(changes, recounts);

        var kept = await store.GetBatchCountsAsync(batch, TestContext.Current.CancellationToken);
        var stored = await store.GetManyAsync([.. jobs.Select(j => j.JobId)], TestContext.Current.CancellationToken);
        Assert.True(kept!.Consistent);
        Assert.Equal(stored.GroupBy(j => j.Status).ToDictionary(g => g.Key, g => g.Count()), kept.ByStatus.ToDictionary());
    }

    [Fact]
    public async Task A_render_entry_lives_as_long_as_its_job_record_and_goes_when_the_record_has()
    {
        var redis = await RealServices.RedisAsync();
        var store = Create(redis, new FakeTimeProvider(T0));
        var db = redis.GetDatabase();
        var key = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var job = JobState.Submitted(Specs.Unique("job"), Specs.Job(tenant: "studio-a"), "default", null, T0);
        var token = Guid.NewGuid();
        var leased = job.Leased(new LeaseInfo(token, "w1", "s1", T0), T0);
        var started = leased.Started(token, T0);
        var uploading = started.UploadStarted(token, T0);
        var artifact = new ArtifactRef("blob", "videos", $"studio-a/{job.JobId}/{token:N}/", "video.mp4", "video.json", 0, 10, token, key);
        await store.TryCreateAsync(job, TestContext.Current.CancellationToken);
        await store.UpdateAsync(job, leased, TestContext.Current.CancellationToken);
        await store.UpdateAsync(leased, started, TestContext.Current.CancellationToken);
        await store.UpdateAsync(started, uploading, TestContext.Current.CancellationToken);
        await store.UpdateAsync(uploading, uploading.Succeeded(token, artifact, T0), TestContext.Current.CancellationToken);

        var recordTtl = await db.KeyTimeToLiveAsync($"{prefix}job:{job.JobId}");
        var tenantTtl = await db.KeyTimeToLiveAsync($"{prefix}render:{key}:tenant:studio-a");
        var anyTtl = await db.KeyTimeToLiveAsync($"{prefix}render:{key}:any");
        await db.KeyDeleteAsync($"{prefix}job:{job.JobId}");
        var afterRecordGone = await store.FindRenderAsync(key, "studio-a", TestContext.Current.CancellationToken);

        Assert.NotNull(recordTtl);
        // One script sets all three expiries; Redis may stamp them a millisecond apart, so the bounds allow a second either way.
        Assert.InRange(tenantTtl!.Value, recordTtl.Value - TimeSpan.FromSeconds(5), recordTtl.Value + TimeSpan.FromSeconds(1));
        Assert.InRange(anyTtl!.Value, recordTtl.Value - TimeSpan.FromSeconds(5), recordTtl.Value + TimeSpan.FromSeconds(1));
        Assert.Null(afterRecordGone);
        Assert.False(await db.KeyExistsAsync($"{prefix}render:{key}:tenant:studio-a"));
    }

    [Fact]
    public async Task A_finished_batch_job_takes_at_most_4_KB_of_redis_and_its_progress_stream_goes_soon_after()
    {
        const int Jobs = 400;
        var redis = await RealServices.RedisAsync();
        var options = Microsoft.Extensions.Options.Options.Create(new RedisOptions { KeyPrefix = prefix, FinishedJobTtl = TimeSpan.FromHours(1) });
        var store = Create(redis, new FakeTimeProvider(T0));
        var progress = new TurboDiffusion.Farm.Progress.RedisProgressLog(redis, options, new FakeTimeProvider(T0));
        var batch = Specs.Unique("batch");
        var prompt = string.Join(' ', Enumerable.Repeat("a red fox running through fresh snow at dawn, cinematic light,", 5));
        await Task.WhenAll(Enumerable.Range(0, Jobs).Select(async i =>
        {
            var job = JobState.Submitted(JobIds.ForBatchItem(batch, i), Specs.Job(tenant: "studio-a", prompt: prompt), "default", batch, T0.AddMilliseconds(i));
            await store.TryCreateAsync(job, TestContext.Current.CancellationToken);
            var token = Guid.NewGuid();
            var leased = job.Leased(new LeaseInfo(token, "worker-gpu-01", "silo-01", T0), T0);
            await store.UpdateAsync(job, leased, TestContext.Current.CancellationToken);
            var started = leased.Started(token, T0);
            await store.UpdateAsync(leased, started, TestContext.Current.CancellationToken);
            foreach (var (stage, total) in new[] { (JobStage.EncodingText, 1), (JobStage.Denoising, 4), (JobStage.Decoding, 21), (JobStage.Writing, 1), (JobStage.Uploading, 1) })
            {
                for (var done = 1; done <= Math.Min(total, 4); done++)
                {
                    await progress.AppendAsync(job.JobId, new JobProgress(stage, done, total, TimeSpan.FromSeconds(done)), TestContext.Current.CancellationToken);
                }
            }

            var uploading = started.UploadStarted(token, T0);
            await store.UpdateAsync(started, uploading, TestContext.Current.CancellationToken);
            var artifact = new ArtifactRef("blob", "videos", $"studio-a/{job.JobId}/{token:N}/", "video.mp4", "video.json", 81, 2_345_678, token);
            await store.UpdateAsync(uploading, uploading.Succeeded(token, artifact, T0), TestContext.Current.CancellationToken);
        }));

        // What stays for FinishedJobTtl is counted; a progress stream goes FinishedProgressTtl after its job finished.
        var bytes = 0L;
        var db = redis.GetDatabase();
        var server = redis.GetServer(redis.GetEndPoints()[0]);
        var streams = new List<TimeSpan?>();
        await foreach (var key in server.KeysAsync(pattern: prefix + "*"))
        {
            if (key.ToString().StartsWith($"{prefix}progress:", StringComparison.Ordinal))
            {
                streams.Add(await db.KeyTimeToLiveAsync(key));
                continue;
            }

            bytes += (long)await db.ExecuteAsync("MEMORY", "USAGE", key, "SAMPLES", "0");
        }

        var perJob = bytes / (double)Jobs;
        TestContext.Current.TestOutputHelper?.WriteLine($"{perJob:F0} bytes of Redis per finished job");
        Assert.Equal(Jobs, streams.Count);
        Assert.All(streams, ttl => Assert.InRange(ttl!.Value, TimeSpan.FromSeconds(1), RedisOptions.DefaultFinishedProgressTtl));
        Assert.InRange(perJob, 500, 4096);
    }

    [Fact]
    public async Task An_unreachable_redis_fails_with_a_store_error_naming_the_key()
    {
        var options = ConfigurationOptions.Parse("127.0.0.1:1");
        options.AbortOnConnectFail = false;
        options.ConnectTimeout = 200;
        options.SyncTimeout = 500;
        options.AsyncTimeout = 500;
        await using var nowhere = await ConnectionMultiplexer.ConnectAsync(options);
        var store = Create(nowhere, new FakeTimeProvider(T0));

        var error = await Assert.ThrowsAsync<JobStoreException>(() => store.GetAsync("job_x", TestContext.Current.CancellationToken));

        Assert.Contains($"{prefix}job:job_x", error.Message);
    }

    [Fact]
    public async Task The_index_sweep_removes_entries_whose_record_expired_from_every_index_and_keeps_live_ones()
    {
        var redis = await RealServices.RedisAsync();
        var clock = new FakeTimeProvider(T0);
        var store = Create(redis, clock);
        var tenant = Specs.Unique("tenant");
        var batch = new BatchState(Specs.Unique("bat"), tenant, T0, []);
        var waiting = JobState.Submitted(Specs.Unique("job"), Specs.Job(tenant: tenant), "default", batch.BatchId, T0);
        var finished = JobState.Submitted(Specs.Unique("job"), Specs.Job(tenant: tenant), "default", batch.BatchId, T0);
        await store.TryCreateBatchAsync(batch, TestContext.Current.CancellationToken);
        await store.TryCreateAsync(waiting, TestContext.Current.CancellationToken);
        await store.TryCreateAsync(finished, TestContext.Current.CancellationToken);
        await store.UpdateAsync(finished, finished.CancelAsked(T0), TestContext.Current.CancellationToken);
        var db = redis.GetDatabase();
        await db.KeyDeleteAsync([$"{prefix}job:{finished.JobId}", $"{prefix}batch:{batch.BatchId}"]);
        clock.Advance(TimeSpan.FromHours(1) + TimeSpan.FromMinutes(1));

        var removed = await Sweep(redis, clock).SweepAsync(TestContext.Current.CancellationToken);

        Assert.Equal(4, removed);
        Assert.Null(await db.SortedSetScoreAsync($"{prefix}tenant:{tenant}", finished.JobId));
        Assert.Null(await db.SortedSetScoreAsync($"{prefix}batch:{batch.BatchId}:jobs", finished.JobId));
        Assert.Null(await db.SortedSetScoreAsync($"{prefix}status:canceled", finished.JobId));
        Assert.Null(await db.SortedSetScoreAsync($"{prefix}tenant:{tenant}:batches", batch.BatchId));
        Assert.NotNull(await db.SortedSetScoreAsync($"{prefix}tenant:{tenant}", waiting.JobId));
        Assert.NotNull(await db.SortedSetScoreAsync($"{prefix}batch:{batch.BatchId}:jobs", waiting.JobId));
        Assert.NotNull(await db.SortedSetScoreAsync($"{prefix}status:queued", waiting.JobId));
    }

    [Fact]
    public async Task The_index_sweep_does_not_look_at_entries_younger_than_the_finished_job_ttl()
    {
        var redis = await RealServices.RedisAsync();
        var clock = new FakeTimeProvider(T0);
        var store = Create(redis, clock);
        var tenant = Specs.Unique("tenant");
        var job = JobState.Submitted(Specs.Unique("job"), Specs.Job(tenant: tenant), "default", null, T0);
        await store.TryCreateAsync(job, TestContext.Current.CancellationToken);
        await redis.GetDatabase().KeyDeleteAsync($"{prefix}job:{job.JobId}");
        clock.Advance(TimeSpan.FromMinutes(59));

        var removed = await Sweep(redis, clock).SweepAsync(TestContext.Current.CancellationToken);

        Assert.Equal(0, removed);
        Assert.NotNull(await redis.GetDatabase().SortedSetScoreAsync($"{prefix}tenant:{tenant}", job.JobId));
    }

    public async ValueTask DisposeAsync()
    {
        var redis = await RealServices.RedisAsync();
        var server = redis.GetServer(redis.GetEndPoints()[0]);
        await foreach (var key in server.KeysAsync(pattern: prefix + "*"))
        {
            await redis.GetDatabase().KeyDeleteAsync(key);
        }
    }

    private RedisIndexSweep Sweep(IConnectionMultiplexer redis, TimeProvider time) =>
        new(redis, Microsoft.Extensions.Options.Options.Create(new RedisOptions { KeyPrefix = prefix, FinishedJobTtl = TimeSpan.FromHours(1) }), time);

    private RedisJobStore Create(IConnectionMultiplexer redis, TimeProvider time) =>
        new(redis, Microsoft.Extensions.Options.Options.Create(new RedisOptions { KeyPrefix = prefix, FinishedJobTtl = TimeSpan.FromHours(1) }), time, NullLogger<RedisJobStore>.Instance);
}
