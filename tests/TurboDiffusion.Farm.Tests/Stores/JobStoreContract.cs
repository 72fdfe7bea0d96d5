using System.Collections.Immutable;
using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Farm.Stores;
using TurboDiffusion.Farm.Tests.Support;

namespace TurboDiffusion.Farm.Tests.Stores;

/// <summary>What every job store must do; each implementation runs this suite against its real backend.</summary>
public abstract class JobStoreContract
{
    protected static readonly DateTimeOffset T0 = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    protected abstract Task<IJobStore> CreateStoreAsync();

    private static JobState NewJob(string tenant = "studio-a", string? batch = null, string pool = "default", int offsetSeconds = 0) =>
        JobState.Submitted(Specs.Unique("job"), Specs.Job(tenant: tenant), pool, batch, T0.AddSeconds(offsetSeconds));

    /// <summary>Stores <paramref name="job"/> and walks it to Succeeded with an artifact carrying <paramref name="contentKey"/>.</summary>
    private static async Task<JobState> SucceededAsync(IJobStore store, JobState job, string? contentKey)
    {
        var token = Guid.NewGuid();
        var artifact = new ArtifactRef("local", "root", $"t/{job.JobId}/{token:N}/", "video.mp4", "video.json", 0, 10, token, contentKey, RenderSeconds: 3);
        await store.TryCreateAsync(job, TestContext.Current.CancellationToken);
        var steps = new List<JobState> { job };
        steps.Add(steps[^1].Leased(new LeaseInfo(token, "w1", "s1", T0), T0));
        steps.Add(steps[^1].Started(token, T0));
        steps.Add(steps[^1].UploadStarted(token, T0));
        steps.Add(steps[^1].Succeeded(token, artifact, T0.AddSeconds(5)));
        for (var i = 1; i < steps.Count; i++)
        {
            await store.UpdateAsync(steps[i - 1], steps[i], TestContext.Current.CancellationToken);
        }

        return steps[^1];
    }

    private static string ContentKey() => Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    [Fact]
    public async Task A_succeeded_render_is_found_by_its_key_within_its_tenant_and_by_anyone_only_when_asked_across_tenants()
    {
        var store = await CreateStoreAsync();
        var key = ContentKey();
        var tenant = Specs.Unique("tenant");
        var done = await SucceededAsync(store, NewJob(tenant: tenant), key);

        var own = await store.FindRenderAsync(key, tenant, TestContext.Current.CancellationToken);
        var other = await store.FindRenderAsync(key, Specs.Unique("tenant"), TestContext.Current.CancellationToken);
        var anyone = await store.FindRenderAsync(key, null, TestContext.Current.CancellationToken);
        var unknown = await store.FindRenderAsync(ContentKey(), tenant, TestContext.Current.CancellationToken);

        Assert.Equal(done.JobId, own?.JobId);
        Assert.Equal(done.Artifact, own?.Artifact);
        Assert.Null(other);
        Assert.Equal(done.JobId, anyone?.JobId);
        Assert.Null(unknown);
    }

    [Fact]
    public async Task Only_successes_with_a_key_are_indexed_and_the_latest_success_of_a_key_wins()
    {
        var store = await CreateStoreAsync();
        var key = ContentKey();
        var tenant = Specs.Unique("tenant");
        var running = NewJob(tenant: tenant);
        await store.TryCreateAsync(running, TestContext.Current.CancellationToken);
        await store.UpdateAsync(running, running.Leased(new LeaseInfo(Guid.NewGuid(), "w1", "s1", T0), T0), TestContext.Current.CancellationToken);
        await SucceededAsync(store, NewJob(tenant: tenant), contentKey: null);
        var first = await SucceededAsync(store, NewJob(tenant: tenant), key);
        var beforeSecond = await store.FindRenderAsync(key, tenant, TestContext.Current.CancellationToken);

        var second = await SucceededAsync(store, NewJob(tenant: tenant), key);
        var afterSecond = await store.FindRenderAsync(key, tenant, TestContext.Current.CancellationToken);

        Assert.Equal(first.JobId, beforeSecond?.JobId);
        Assert.Equal(second.JobId, afterSecond?.JobId);
        Assert.Equal(key, afterSecond?.Artifact?.ContentKey);
        Assert.Equal(3, afterSecond?.Artifact?.RenderSeconds);
    }

    [Fact]
    public async Task Batch_counts_follow_every_state_change_and_match_a_recount()
    {
        var store = await CreateStoreAsync();
        var batch = Specs.Unique("batch");
        var jobs = Enumerable.Range(0, 5).Select(i => NewJob(batch: batch, offsetSeconds: i)).ToList();
        foreach (var job in jobs)
        {
            await store.TryCreateAsync(job, TestContext.Current.CancellationToken);
        }

        await store.TryCreateAsync(NewJob(), TestContext.Current.CancellationToken);
        var leased = jobs[0].Leased(new LeaseInfo(Guid.NewGuid(), "w1", "s1", T0), T0);
        await store.UpdateAsync(jobs[0], leased, TestContext.Current.CancellationToken);
        await store.UpdateAsync(jobs[1], jobs[1].CancelAsked(T0), TestContext.Current.CancellationToken);
        await store.UpdateAsync(jobs[2], jobs[2].CancelAsked(T0), TestContext.Current.CancellationToken);

        var kept = await store.GetBatchCountsAsync(batch, TestContext.Current.CancellationToken);
        var recounted = await store.RecountBatchAsync(batch, TestContext.Current.CancellationToken);

        Assert.NotNull(kept);
        Assert.True(kept.Consistent);
        var expected = new Dictionary<JobStatus, int> { [JobStatus.Queued] = 2, [JobStatus.Leased] = 1, [JobStatus.Canceled] = 2 };
        Assert.Equal(expected, kept.ByStatus.OrderBy(c => c.Key).ToDictionary());
        Assert.Equal(expected, recounted.ByStatus.OrderBy(c => c.Key).ToDictionary());
        Assert.Equal(5, kept.Indexed);
        Assert.Null(await store.GetBatchCountsAsync(Specs.Unique("batch"), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_held_job_is_active_in_its_pool_counted_held_in_its_batch_and_its_release_is_stored()
    {
        var store = await CreateStoreAsync();
        var batch = Specs.Unique("batch");
        var pool = Specs.Unique("pool");
        var held = JobState.SubmittedHeld(Specs.Unique("job"), Specs.Job(), pool, batch, T0);
        await store.TryCreateAsync(held, TestContext.Current.CancellationToken);

        var active = await store.ListActiveAsync(pool, TestContext.Current.CancellationToken);
        var counted = await store.GetBatchCountsAsync(batch, TestContext.Current.CancellationToken);
        var listed = await store.ListAsync(new JobQuery(BatchId: batch, Status: JobStatus.Held), TestContext.Current.CancellationToken);
        var released = held.Released(T0.AddSeconds(30));
        await store.UpdateAsync(held, released, TestContext.Current.CancellationToken);
        var read = await store.GetAsync(held.JobId, TestContext.Current.CancellationToken);
        var recounted = await store.GetBatchCountsAsync(batch, TestContext.Current.CancellationToken);

        Assert.Equal([JobStatus.Held], active.Select(j => j.Status));
        Assert.Equal(new Dictionary<JobStatus, int> { [JobStatus.Held] = 1 }, counted!.ByStatus.ToDictionary());
        Assert.Equal([held.JobId], listed.Jobs.Select(j => j.JobId));
        Assert.Equal(JobStatus.Queued, read!.Status);
        Assert.Equal(T0.AddSeconds(30), read.Timings.QueuedAt);
        Assert.Equal(new Dictionary<JobStatus, int> { [JobStatus.Queued] = 1 }, recounted!.ByStatus.ToDictionary());
        Assert.True(recounted.Consistent);
    }

    [Fact]
    public async Task Created_job_reads_back_equal_field_by_field()
    {
        var store = await CreateStoreAsync();
        var job = NewJob();

        Assert.True(await store.TryCreateAsync(job, TestContext.Current.CancellationToken));
        var read = await store.GetAsync(job.JobId, TestContext.Current.CancellationToken);

        Assert.NotNull(read);
        Assert.Equal(job.Spec, read.Spec);
        Assert.Equal(job.Timings, read.Timings);
        Assert.Equal(job.Status, read.Status);
        Assert.Equal(job.Version, read.Version);
        Assert.Empty(read.Attempts);
    }

    [Fact]
    public async Task Second_create_of_the_same_id_is_refused_and_keeps_the_first()
    {
        var store = await CreateStoreAsync();
        var job = NewJob();
        await store.TryCreateAsync(job, TestContext.Current.CancellationToken);

        var again = await store.TryCreateAsync(job with { Spec = job.Spec with { Prompt = "other" } }, TestContext.Current.CancellationToken);

        Assert.False(again);
        Assert.Equal(job.Spec.Prompt, (await store.GetAsync(job.JobId, TestContext.Current.CancellationToken))!.Spec.Prompt);
    }

    [Fact]
    public async Task Update_with_a_stale_version_fails_with_a_conflict_naming_the_job()
    {
        var store = await CreateStoreAsync();
        var job = NewJob();
        await store.TryCreateAsync(job, TestContext.Current.CancellationToken);
        var leased = job.Leased(new LeaseInfo(Guid.NewGuid(), "w1", "s1", T0), T0);
        await store.UpdateAsync(job, leased, TestContext.Current.CancellationToken);

        var error = await Assert.ThrowsAsync<JobStoreConflictException>(() => store.UpdateAsync(job, job.CancelAsked(T0), TestContext.Current.CancellationToken));

        Assert.Equal(job.JobId, error.JobId);
        Assert.Equal(JobStatus.Leased, (await store.GetAsync(job.JobId, TestContext.Current.CancellationToken))!.Status);
    }

    [Fact]
    public async Task Lease_and_attempt_history_survive_a_round_trip()
    {
        var store = await CreateStoreAsync();
        var job = NewJob();
        await store.TryCreateAsync(job, TestContext.Current.CancellationToken);
        var token = Guid.NewGuid();
        var leased = job.Leased(new LeaseInfo(token, "w1", "s1", T0), T0.AddSeconds(1));

        await store.UpdateAsync(job, leased, TestContext.Current.CancellationToken);
        var read = (await store.GetAsync(job.JobId, TestContext.Current.CancellationToken))!;

        Assert.Equal(leased.Lease, read.Lease);
        Assert.Equal(leased.Attempts.ToList(), read.Attempts.ToList());
    }

    [Fact]
    public async Task Active_listing_holds_unfinished_jobs_of_the_pool_only()
    {
        var store = await CreateStoreAsync();
        var pool = Specs.Unique("pool");
        var queued = NewJob(pool: pool);
        var canceled = NewJob(pool: pool);
        var elsewhere = NewJob();
        foreach (var job in new[] { queued, canceled, elsewhere })
        {
            await store.TryCreateAsync(job, TestContext.Current.CancellationToken);
        }

        await store.UpdateAsync(canceled, canceled.CancelAsked(T0), TestContext.Current.CancellationToken);
        var active = await store.ListActiveAsync(pool, TestContext.Current.CancellationToken);

        Assert.Equal([queued.JobId], active.Select(j => j.JobId));
    }

    [Fact]
    public async Task Listing_by_tenant_pages_newest_first_with_a_cursor()
    {
        var store = await CreateStoreAsync();
        var tenant = Specs.Unique("tenant");
        var jobs = Enumerable.Range(0, 5).Select(i => NewJob(tenant: tenant, offsetSeconds: i)).ToList();
        foreach (var job in jobs)
        {
            await store.TryCreateAsync(job, TestContext.Current.CancellationToken);
        }

        var first = await store.ListAsync(new JobQuery(Tenant: tenant, Limit: 3), TestContext.Current.CancellationToken);
        var second = await store.ListAsync(new JobQuery(Tenant: tenant, Limit: 3, Cursor: first.NextCursor!.Value), TestContext.Current.CancellationToken);

        Assert.Equal(jobs.AsEnumerable().Reverse().Select(j => j.JobId), first.Jobs.Concat(second.Jobs).Select(j => j.JobId));
        Assert.Null(second.NextCursor);
    }

    [Fact]
    public async Task Listing_by_batch_and_status_filters_both()
    {
        var store = await CreateStoreAsync();
        var batch = Specs.Unique("bat");
        var a = NewJob(batch: batch);
        var b = NewJob(batch: batch, offsetSeconds: 1);
        var other = NewJob();
        foreach (var job in new[] { a, b, other })
        {
            await store.TryCreateAsync(job, TestContext.Current.CancellationToken);
        }

        await store.UpdateAsync(b, b.CancelAsked(T0), TestContext.Current.CancellationToken);

        var all = await store.ListAsync(new JobQuery(BatchId: batch), TestContext.Current.CancellationToken);
        var canceled = await store.ListAsync(new JobQuery(BatchId: batch, Status: JobStatus.Canceled), TestContext.Current.CancellationToken);

        Assert.Equal([b.JobId, a.JobId], all.Jobs.Select(j => j.JobId));
        Assert.Equal([b.JobId], canceled.Jobs.Select(j => j.JobId));
    }

    [Fact]
    public async Task Get_many_returns_existing_records_in_the_order_asked()
    {
        var store = await CreateStoreAsync();
        var a = NewJob();
        var b = NewJob();
        await store.TryCreateAsync(a, TestContext.Current.CancellationToken);
        await store.TryCreateAsync(b, TestContext.Current.CancellationToken);

        var found = await store.GetManyAsync([b.JobId, "job_missing", a.JobId], TestContext.Current.CancellationToken);

        Assert.Equal([b.JobId, a.JobId], found.Select(j => j.JobId));
    }

    [Fact]
    public async Task A_tenants_batches_list_newest_first_in_pages_without_the_parts_of_uploads()
    {
        var store = await CreateStoreAsync();
        var tenant = Specs.Unique("tenant");
        var ids = Enumerable.Range(0, 3).Select(_ => Specs.Unique("bat")).ToList();
        for (var i = 0; i < ids.Count; i++)
        {
            await store.TryCreateBatchAsync(new BatchState(ids[i], tenant, T0.AddMinutes(i), ["j.00000"]), TestContext.Current.CancellationToken);
        }

        await store.TryCreateBatchAsync(new BatchState(Specs.Unique("part"), tenant, T0.AddHours(1), ["p.00000"], ParentBatchId: ids[0]), TestContext.Current.CancellationToken);
        await store.TryCreateBatchAsync(new BatchState(Specs.Unique("bat"), Specs.Unique("other"), T0, ["o.00000"]), TestContext.Current.CancellationToken);

        var first = await store.ListBatchesAsync(tenant, 2, 0, TestContext.Current.CancellationToken);
        var second = await store.ListBatchesAsync(tenant, 2, first.NextCursor!.Value, TestContext.Current.CancellationToken);

        Assert.Equal([ids[2], ids[1]], first.Batches.Select(b => b.BatchId));
        Assert.Equal([ids[0]], second.Batches.Select(b => b.BatchId));
        Assert.Null(second.NextCursor);
    }

    [Fact]
    public async Task Batch_is_created_once()
    {
        var store = await CreateStoreAsync();
        var id = Specs.Unique("bat");
        var batch = new BatchState(id, "studio-a", T0, ["x.00000", "x.00001"]);

        Assert.True(await store.TryCreateBatchAsync(batch, TestContext.Current.CancellationToken));
        Assert.False(await store.TryCreateBatchAsync(batch with { JobIds = ImmutableArray<string>.Empty }, TestContext.Current.CancellationToken));
        Assert.Equal(batch.JobIds.ToList(), (await store.GetBatchAsync(id, TestContext.Current.CancellationToken))!.JobIds.ToList());
    }
}
