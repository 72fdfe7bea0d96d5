using TurboDiffusion.Engine;
using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Farm.Tests.Support;
using TurboDiffusion.Silo.Simulation;

namespace TurboDiffusion.Farm.Tests.Cluster;

/// <summary>Order of work on a real cluster: one worker is held on a blocking job while the queue fills, then released.</summary>
[Collection(MultiSiloGroup.Name)]
public sealed class SchedulingTests
{
    private const string BlockerPrompt = "block the only worker";

    private static SimulatedVideoEngine BlockingEngine(string _) =>
        new() { Behavior = (request, _) => request.Prompt == BlockerPrompt ? SimulatedBehavior.Hang : SimulatedBehavior.Succeed };

    private static async Task<JobState> BlockAsync(TestFarm farm)
    {
        var blocker = await farm.SubmitAsync(Specs.Job(tenant: "ops", prompt: BlockerPrompt));
        return await farm.WaitForStatusAsync(blocker.JobId, JobStatus.Running);
    }

    private static async Task<List<JobState>> ReleaseAndFinishAsync(TestFarm farm, JobState blocker, IEnumerable<JobState> jobs)
    {
        await farm.Job(blocker.JobId).Cancel();
        var done = new List<JobState>();
        foreach (var job in jobs)
        {
            done.Add(await farm.WaitForStatusAsync(job.JobId, JobStatus.Succeeded));
        }

        return [.. done.OrderBy(j => j.Timings.LeasedAt)];
    }

    [Fact]
    public async Task Jobs_lease_in_priority_order()
    {
        await using var farm = await TestFarm.StartAsync(1, BlockingEngine);
        var blocker = await BlockAsync(farm);
        var jobs = new List<JobState>();
        foreach (var priority in new[] { JobPriority.Low, JobPriority.Normal, JobPriority.Urgent, JobPriority.High })
        {
            jobs.Add(await farm.SubmitAsync(Specs.Job(priority: priority)));
        }

        var order = await ReleaseAndFinishAsync(farm, blocker, jobs);

        Assert.Equal([JobPriority.Urgent, JobPriority.High, JobPriority.Normal, JobPriority.Low], order.Select(j => j.Spec.Priority));
    }

    [Fact]
    public async Task A_tenant_arriving_behind_a_flood_gets_every_other_lease()
    {
        await using var farm = await TestFarm.StartAsync(1, BlockingEngine);
        var blocker = await BlockAsync(farm);
        var jobs = new List<JobState>();
        for (var i = 0; i < 12; i++)
        {
            jobs.Add(await farm.SubmitAsync(Specs.Job(tenant: "flood")));
        }

        for (var i = 0; i < 6; i++)
        {
            jobs.Add(await farm.SubmitAsync(Specs.Job(tenant: "late")));
        }

        var order = await ReleaseAndFinishAsync(farm, blocker, jobs);

        var firstTwelve = order.Take(12).Select(j => j.Spec.Tenant).ToList();
        Assert.Equal(6, firstTwelve.Count(t => t == "late"));
        Assert.All(firstTwelve.Chunk(2), pair => Assert.NotEqual(pair[0], pair[1]));
    }

    [Fact]
    public async Task A_batch_is_rendered_grouped_by_model_and_resubmitting_it_renders_nothing_twice()
    {
        await using var farm = await TestFarm.StartAsync(1, BlockingEngine);
        var blocker = await BlockAsync(farm);
        var items = Enumerable.Range(0, 8).Select(i => Specs.Job(model: i % 2 == 0 ? "tiny" : "wan-1.3b", prompt: $"shot {i}")).ToList();
        var batch = new BatchSpec("studio-a", [.. items], IdempotencyKey: "episode-1");

        var summary = await farm.Client.SubmitBatchAsync(batch);
        var jobIds = Enumerable.Range(0, 8).Select(i => JobIds.ForBatchItem(summary.BatchId, i)).ToList();
        var order = await ReleaseAndFinishAsync(farm, blocker, await farm.Store.GetManyAsync(jobIds, TestContext.Current.CancellationToken));
        var again = await farm.Client.SubmitBatchAsync(batch);
        var final = await farm.Client.GetGrain<IBatchGrain>(summary.BatchId).GetSummary();

        Assert.Equal(8, summary.Total);
        Assert.Equal(1, order.Zip(order.Skip(1)).Count(p => p.First.Spec.Model != p.Second.Spec.Model));
        Assert.Equal(summary.BatchId, again.BatchId);
        Assert.True(final.IsFinished);
        Assert.Equal(8, final.Counts[JobStatus.Succeeded]);
        Assert.Equal(9, farm.Engines.Values.Sum(e => e.Generations));
    }

    [Fact]
    public async Task Cancelling_a_batch_larger_than_one_read_cancels_every_queued_item_and_the_summary_counts_them()
    {
        await using var farm = await TestFarm.StartAsync(1, engine: null);
        var items = Enumerable.Range(0, 2100).Select(i => Specs.Job(prompt: $"shot {i}")).ToList();
        var summary = await farm.Client.SubmitBatchAsync(new BatchSpec("studio-a", [.. items]));
        var batch = farm.Client.GetGrain<IBatchGrain>(summary.BatchId);

        var canceled = await batch.Cancel();
        var stored = await farm.Store.GetManyAsync([.. Enumerable.Range(0, 2100).Select(i => JobIds.ForBatchItem(summary.BatchId, i))], TestContext.Current.CancellationToken);

        Assert.Equal(2100, summary.Counts[JobStatus.Queued]);
        Assert.Equal(new Dictionary<JobStatus, int> { [JobStatus.Canceled] = 2100 }, canceled.Counts.ToDictionary());
        Assert.True(canceled.IsFinished);
        Assert.All(stored, j => Assert.Equal(JobStatus.Canceled, j.Status));
    }

    [Fact]
    public async Task Resubmitting_with_the_same_key_answers_the_original_job_and_a_different_spec_conflicts()
    {
        await using var farm = await TestFarm.StartAsync(1, _ => new SimulatedVideoEngine());
        var spec = Specs.Job(key: "take-1");

        var first = await farm.Client.SubmitJobAsync(spec);
        await farm.WaitForStatusAsync(first.JobId, JobStatus.Succeeded);
        var repeat = await farm.Client.SubmitJobAsync(spec);
        var conflict = await farm.Client.SubmitJobAsync(spec with { Prompt = "something else" });

        Assert.Equal(SubmitOutcome.Accepted, first.Outcome);
        Assert.Equal(SubmitOutcome.Duplicate, repeat.Outcome);
        Assert.Equal(first.JobId, repeat.JobId);
        Assert.Equal(JobStatus.Succeeded, repeat.Job!.Status);
        Assert.Equal(SubmitOutcome.Conflict, conflict.Outcome);
        Assert.Throws<IdempotencyConflictException>(() => conflict.EnsureAccepted());
        Assert.Equal(1, farm.Engines.Values.Sum(e => e.Generations));
    }

    [Fact]
    public async Task Past_the_tenant_quota_and_the_pool_bound_submissions_get_typed_rejections_with_retry_after_and_record_nothing()
    {
        await using var farm = await TestFarm.StartAsync(1, engine: null, new Dictionary<string, string?>
        {
            ["Turbo:Admission:MaxQueuedPerPool"] = "3",
            ["Turbo:Admission:MaxQueuedPerTenant"] = "2",
            ["Turbo:Admission:RetryAfter"] = "00:00:07",
        });
        await farm.SubmitAsync(Specs.Job());
        await farm.SubmitAsync(Specs.Job());

        var overQuota = await farm.Client.SubmitJobAsync(Specs.Job());
        var otherTenant = await farm.Client.SubmitJobAsync(Specs.Job(tenant: "studio-b"));
        var full = await farm.Client.SubmitJobAsync(Specs.Job(tenant: "studio-c"));

        Assert.Equal(SubmitOutcome.Rejected, overQuota.Outcome);
        Assert.Equal(AdmissionOutcome.OverQuota, overQuota.Admission!.Outcome);
        Assert.Equal(TimeSpan.FromSeconds(7), overQuota.RetryAfter);
        Assert.Null(await farm.Store.GetAsync(overQuota.JobId, TestContext.Current.CancellationToken));
        var error = Assert.Throws<AdmissionRejectedException>(() => overQuota.EnsureAccepted());
        Assert.Contains("MaxQueuedPerTenant", error.Message);
        Assert.Equal(
            "Tenant 'studio-a' has 2 jobs queued in pool 'default' of its quota of 2 jobs (Turbo:Admission:MaxQueuedPerTenant); "
            + "this job needs 1 job and 0 jobs would fit until its queue drains (a batch upload is held instead of refused).",
            overQuota.Admission.Reason);
        Assert.Equal(SubmitOutcome.Accepted, otherTenant.Outcome);
        Assert.Equal(AdmissionOutcome.QueueFull, full.Admission!.Outcome);
        Assert.Contains("MaxQueuedPerPool", full.Admission.Reason);
        Assert.Equal(3, (await farm.Scheduler().GetSnapshot()).Depth);
        Assert.Equal(1, await farm.MetricAsync("turbo_jobs_rejected_total", "reason=\"over_quota\""));
        Assert.Equal(1, await farm.MetricAsync("turbo_jobs_rejected_total", "reason=\"queue_full\""));
    }

    [Fact]
    public async Task A_scheduler_restarted_elsewhere_rebuilds_its_queue_from_the_store()
    {
        await using var farm = await TestFarm.StartAsync(2, engine: null);
        var jobs = new List<JobState>();
        for (var i = 0; i < 5; i++)
        {
            jobs.Add(await farm.SubmitAsync(Specs.Job()));
        }

        await farm.Cluster.DeactivateAsync(farm.Scheduler());
        var snapshot = await farm.Scheduler().GetSnapshot();

        Assert.Equal(5, snapshot.Depth);
        Assert.Equal(5, snapshot.QueuedByTenant["studio-a"]);
    }

    [Fact]
    public async Task A_resolution_one_workers_device_cannot_plan_goes_to_a_worker_whose_can()
    {
        // The first engine built is a small card's: it plans the model at 480P at most; the other plans every resolution.
        string? smallWorker = null;
        await using var farm = await TestFarm.StartAsync(2, silo =>
        {
            var isSmall = Interlocked.CompareExchange(ref smallWorker, silo, null) is null;
            return new SimulatedVideoEngine
            {
                StepTime = TimeSpan.FromMilliseconds(20),
                Servable = _ => isSmall ? [VideoResolution.P144, VideoResolution.P480] : Enum.GetValues<VideoResolution>(),
            };
        }, new Dictionary<string, string?> { ["Turbo:Worker:Preload:0"] = "tiny" });

        var jobs = new List<JobState>();
        for (var i = 0; i < 6; i++)
        {
            jobs.Add(await farm.SubmitAsync(Specs.Job(key: $"hd-{i}") with { Resolution = JobResolution.P720 }));
            jobs.Add(await farm.SubmitAsync(Specs.Job(key: $"sd-{i}")));
        }

        var done = new List<JobState>();
        foreach (var job in jobs)
        {
            done.Add(await farm.WaitForStatusAsync(job.JobId, JobStatus.Succeeded));
        }

        Assert.NotNull(smallWorker);
        Assert.All(done.Where(j => j.Spec.Resolution == JobResolution.P720), j => Assert.DoesNotContain(j.Attempts, a => a.WorkerId == smallWorker));
        Assert.All(done, j => Assert.Single(j.Attempts));
    }

    [Fact]
    public async Task A_queued_job_says_why_it_waits_and_names_a_resolution_no_worker_can_render()
    {
        await using var farm = await TestFarm.StartAsync(1, _ => new SimulatedVideoEngine
        {
            StepTime = TimeSpan.FromMilliseconds(10),
            Servable = _ => [VideoResolution.P144, VideoResolution.P480],
            Behavior = (request, _) => request.Prompt == BlockerPrompt ? SimulatedBehavior.Hang : SimulatedBehavior.Succeed,
        }, new Dictionary<string, string?> { ["Turbo:Worker:Preload:0"] = "tiny" });
        var scheduler = farm.Scheduler();
        var tooLarge = await farm.SubmitAsync(Specs.Job(key: "hd") with { Resolution = JobResolution.P720 });
        var blocker = await BlockAsync(farm);
        var behind = await farm.SubmitAsync(Specs.Job(key: "behind"));

        var waiting = (await scheduler.Estimate(behind.JobId))!;
        var refused = (await scheduler.Estimate(tooLarge.JobId))!;
        var running = (await scheduler.Estimate(blocker.JobId))!;

        Assert.Equal("1 job ahead in pool 'default', 1 of 1 worker that can render tiny at 480p busy", waiting.Reason);
        Assert.Equal((WaitingCause.Queue, 2, 1, 1), (waiting.Cause, waiting.Position, waiting.Workers, waiting.BusyWorkers));
        Assert.True(waiting.StartAt < waiting.FinishAt, $"start {waiting.StartAt:O}, finish {waiting.FinishAt:O}");
        Assert.StartsWith("no worker of pool 'default' has the device memory to render tiny at 720p (", refused.Reason, StringComparison.Ordinal);
        Assert.Contains("up to 144p, 480p", refused.Reason, StringComparison.Ordinal);
        Assert.Equal((WaitingCause.NoCapableWorker, 0, (DateTimeOffset?)null), (refused.Cause, refused.Workers, refused.StartAt));
        Assert.Null(running.Reason);
        Assert.Equal(blocker.Lease!.GrantedAt, running.StartAt);
    }
}
