using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Farm.Stores;
using TurboDiffusion.Farm.Tests.Support;
using TurboDiffusion.Silo.Simulation;

namespace TurboDiffusion.Farm.Tests.Cluster;

/// <summary>Lost silos, stale workers, drains, cancels and failing engines on a real multi-silo cluster.</summary>
[Collection(MultiSiloGroup.Name)]
public sealed class FailureTests
{
    private static SimulatedVideoEngine Slow(string _) => new() { StepTime = TimeSpan.FromMilliseconds(800) };

    [Fact]
    public async Task A_job_on_a_killed_silo_finishes_elsewhere_with_one_artifact_and_no_retry_consumed()
    {
        await using var farm = await TestFarm.StartAsync(3, Slow);
        var job = await farm.SubmitAsync(Specs.Job());
        var running = await farm.WaitForStatusAsync(job.JobId, JobStatus.Running);
        var doomed = running.Lease!.WorkerId;

        await farm.Cluster.KillSiloAsync(farm.SiloNamed(doomed), TestContext.Current.CancellationToken);
        var done = await farm.WaitForStatusAsync(job.JobId, JobStatus.Succeeded, seconds: 40);

        Assert.Equal(2, done.Attempts.Length);
        Assert.Equal(doomed, done.Attempts[0].WorkerId);
        Assert.Contains(done.Attempts[0].Outcome, new AttemptOutcome?[] { AttemptOutcome.SiloLost, AttemptOutcome.LeaseExpired });
        Assert.NotEqual(doomed, done.Attempts[1].WorkerId);
        Assert.Equal(0, done.EngineFailures);
        Assert.Equal(1, done.InfrastructureRequeues);
        Assert.Equal([done.Artifact!.LeaseToken], await farm.Artifacts.ListAttemptsAsync("studio-a", job.JobId, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_worker_clears_what_a_killed_process_left_and_removes_each_attempts_folder()
    {
        var work = Directory.CreateTempSubdirectory("work-").FullName;
        var leftover = Directory.CreateDirectory(Path.Combine(work, "worker-x", "job_killed", "attempt")).FullName;
        await File.WriteAllTextAsync(Path.Combine(leftover, "video.mp4"), "half a video", TestContext.Current.CancellationToken);
        try
        {
            await using var farm = await TestFarm.StartAsync(1, _ => new SimulatedVideoEngine(), new Dictionary<string, string?>
            {
                ["Turbo:Worker:WorkDirectory"] = work,
                ["Turbo:Worker:Name"] = "worker-x",
            });

            var job = await farm.SubmitAsync(Specs.Job());
            await farm.WaitForStatusAsync(job.JobId, JobStatus.Succeeded);
            await TestFarm.WaitUntilAsync(() => Task.FromResult(!Directory.Exists(Path.Combine(work, "worker-x", job.JobId))), "the attempt's folder removed");

            Assert.False(Directory.Exists(Path.Combine(work, "worker-x", "job_killed")));
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    [Fact]
    public async Task A_requeue_whose_release_to_the_scheduler_is_lost_still_runs_again()
    {
        var failures = 1;
        await using var farm = await TestFarm.StartAsync(1, _ => new SimulatedVideoEngine { Behavior = (_, n) => n == 1 ? SimulatedBehavior.OutOfMemory : SimulatedBehavior.Succeed },
            configureSilo: silo => silo.AddIncomingGrainCallFilter(async call =>
            {
                // The requeue ticket travels with the release: losing the call loses the ticket.
                if (call.InterfaceMethod?.Name == nameof(ISchedulerGrain.Release) && Interlocked.Exchange(ref failures, 0) == 1)
                {
                    throw new TimeoutException("the release timed out");
                }

                await call.Invoke();
            }));

        var job = await farm.SubmitAsync(Specs.Job());
        var done = await farm.WaitForStatusAsync(job.JobId, JobStatus.Succeeded);

        Assert.Equal(0, failures);
        Assert.Equal([AttemptOutcome.OutOfMemory, AttemptOutcome.Succeeded], done.Attempts.Select(a => a.Outcome));
    }

    [Fact]
    public async Task A_lease_stored_but_whose_reply_is_lost_is_taken_back_and_the_job_runs_again()
    {
        var done = await RenderThroughOneFailedLeaseAsync(replyLost: true);

        Assert.Equal([AttemptOutcome.LeaseExpired, AttemptOutcome.Succeeded], done.Attempts.Select(a => a.Outcome));
        Assert.Contains("could not be confirmed", done.Attempts[0].Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_lease_call_that_fails_before_it_is_stored_leaves_the_job_to_run()
    {
        var done = await RenderThroughOneFailedLeaseAsync(replyLost: false);

        Assert.Equal([AttemptOutcome.Succeeded], done.Attempts.Select(a => a.Outcome));
    }

    /// <summary>Renders one job while the scheduler's first call leasing it fails, after the job grain stored the lease or before.</summary>
    private static async Task<JobState> RenderThroughOneFailedLeaseAsync(bool replyLost)
    {
        var failures = 1;
        await using var farm = await TestFarm.StartAsync(1, _ => new SimulatedVideoEngine(), configureSilo: silo => silo.AddIncomingGrainCallFilter(async call =>
        {
            if (call.InterfaceMethod?.Name == nameof(IJobGrain.Lease) && Interlocked.Exchange(ref failures, 0) == 1)
            {
                if (replyLost)
                {
                    await call.Invoke();
                }

                throw new TimeoutException("the lease call timed out");
            }

            await call.Invoke();
        }));

        var job = await farm.SubmitAsync(Specs.Job());
        var done = await farm.WaitForStatusAsync(job.JobId, JobStatus.Succeeded);

        Assert.Equal(0, failures);
        return done;
    }

    [Fact]
    public async Task A_success_whose_lease_release_fails_keeps_its_video()
    {
        var failures = 1;
        await using var farm = await TestFarm.StartAsync(2, _ => new SimulatedVideoEngine(), configureSilo: silo => silo.AddIncomingGrainCallFilter(async call =>
        {
            // The scheduler's silo dies between the job's stored success and the lease's release.
            if (call.InterfaceMethod?.Name == nameof(ISchedulerGrain.Release) && Interlocked.Exchange(ref failures, 0) == 1)
            {
                throw new SiloUnavailableException("the scheduler's silo is gone");
            }

            await call.Invoke();
        }));

        var job = await farm.SubmitAsync(Specs.Job());
        var done = await farm.WaitForStatusAsync(job.JobId, JobStatus.Succeeded);
        await TestFarm.WaitUntilAsync(() => Task.FromResult(Volatile.Read(ref failures) == 0), "the failed release");
        // The worker reacts to the failed call at once; give it the moment it needs before looking for the files.
        await Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);

        await using var video = await farm.Artifacts.OpenReadAsync(done.Artifact!, done.Artifact!.VideoName, TestContext.Current.CancellationToken);
        Assert.True(video.Length > 0);
        Assert.Equal([done.Artifact.LeaseToken], await farm.Artifacts.ListAttemptsAsync("studio-a", job.JobId, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_worker_whose_lease_expired_cannot_start_heartbeat_or_complete_the_requeued_job()
    {
        await using var farm = await TestFarm.StartAsync(1, engine: null);
        var job = await farm.SubmitAsync(Specs.Job());
        var scheduler = farm.Scheduler();
        var stale = (await scheduler.LeaseNext(new LeaseRequest("stale-worker", "nowhere", [], 0)))!;
        await farm.WaitForAsync(job.JobId, j => j.Status == JobStatus.Queued && j.Attempts.Length == 1);
        var fresh = (await scheduler.LeaseNext(new LeaseRequest("fresh-worker", "nowhere", [], 0)))!;
        var staleArtifact = await UploadAsync(farm, job, stale.Token);
        var freshArtifact = await UploadAsync(farm, job, fresh.Token);

        await farm.Job(job.JobId).Start(fresh.Token);
        await farm.Job(job.JobId).BeginUpload(fresh.Token);
        await farm.Job(job.JobId).Complete(fresh.Token, freshArtifact);
        await farm.Artifacts.SealAsync(freshArtifact, TestContext.Current.CancellationToken);

        await Assert.ThrowsAsync<LeaseExpiredException>(() => farm.Job(job.JobId).Start(stale.Token));
        await Assert.ThrowsAsync<LeaseExpiredException>(() => farm.Job(job.JobId).Complete(stale.Token, staleArtifact));
        Assert.Equal(LeaseStatus.Lost, (await scheduler.Heartbeat(job.JobId, stale.Token)).Status);
        var final = (await farm.Job(job.JobId).GetState())!;
        Assert.Equal(fresh.Token, final.Artifact!.LeaseToken);
        Assert.Equal(AttemptOutcome.LeaseExpired, final.Attempts[0].Outcome);
        Assert.Equal([fresh.Token], await farm.Artifacts.ListAttemptsAsync("studio-a", job.JobId, TestContext.Current.CancellationToken));
        Assert.Equal(final.Version, (await farm.Job(job.JobId).Complete(fresh.Token, freshArtifact)).Version);
    }

    [Fact]
    public async Task A_draining_silo_hands_back_a_job_that_does_not_fit_its_grace_period_without_consuming_a_retry()
    {
        await using var farm = await TestFarm.StartAsync(2, _ => new SimulatedVideoEngine { StepTime = TimeSpan.FromMilliseconds(500) }, new Dictionary<string, string?>
        {
            ["Turbo:Worker:DrainGracePeriod"] = "00:00:00.300",
        });
        var job = await farm.SubmitAsync(Specs.Job());
        var running = await farm.WaitForStatusAsync(job.JobId, JobStatus.Running);
        var draining = running.Lease!.WorkerId;

        await farm.Cluster.StopSiloAsync(farm.SiloNamed(draining), TestContext.Current.CancellationToken);
        var done = await farm.WaitForStatusAsync(job.JobId, JobStatus.Succeeded, seconds: 30);

        Assert.Equal(AttemptOutcome.Drained, done.Attempts[0].Outcome);
        Assert.Equal(draining, done.Attempts[0].WorkerId);
        Assert.NotEqual(draining, done.Attempts[1].WorkerId);
        Assert.Equal(0, done.EngineFailures);
        Assert.Single(await farm.Artifacts.ListAttemptsAsync("studio-a", job.JobId, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_draining_silo_without_step_checkpoints_finishes_a_job_that_fits_its_grace_period()
    {
        await using var farm = await TestFarm.StartAsync(2, _ => new SimulatedVideoEngine { StepTime = TimeSpan.FromMilliseconds(200) }, new Dictionary<string, string?>
        {
            ["Turbo:Worker:CheckpointSteps"] = "false",
        });
        var job = await farm.SubmitAsync(Specs.Job());
        var running = await farm.WaitForStatusAsync(job.JobId, JobStatus.Running);

        await farm.Cluster.StopSiloAsync(farm.SiloNamed(running.Lease!.WorkerId), TestContext.Current.CancellationToken);
        var done = await farm.WaitForStatusAsync(job.JobId, JobStatus.Succeeded);

        Assert.Equal(running.Lease.WorkerId, Assert.Single(done.Attempts).WorkerId);
    }

    [Fact]
    public async Task Canceling_a_queued_job_ends_it_before_any_worker_sees_it()
    {
        await using var farm = await TestFarm.StartAsync(1, engine: null);
        var job = await farm.SubmitAsync(Specs.Job());

        var canceled = await farm.Job(job.JobId).Cancel();
        var again = await farm.Job(job.JobId).Cancel();

        Assert.Equal(JobStatus.Canceled, canceled.Status);
        Assert.Equal(canceled, again);
        Assert.Null(await farm.Scheduler().LeaseNext(new LeaseRequest("w", "nowhere", [], 0)));
        Assert.Equal(0, (await farm.Scheduler().GetSnapshot()).Depth);
    }

    [Fact]
    public async Task Canceling_a_running_job_stops_the_engine_mid_render()
    {
        await using var farm = await TestFarm.StartAsync(1, _ => new SimulatedVideoEngine { Behavior = (_, _) => SimulatedBehavior.Hang });
        var job = await farm.SubmitAsync(Specs.Job());
        await farm.WaitForStatusAsync(job.JobId, JobStatus.Running);

        await farm.Job(job.JobId).Cancel();
        var canceled = await farm.WaitForStatusAsync(job.JobId, JobStatus.Canceled, seconds: 10);

        Assert.Equal(AttemptOutcome.Canceled, Assert.Single(canceled.Attempts).Outcome);
        Assert.Empty(await farm.Artifacts.ListAttemptsAsync("studio-a", job.JobId, TestContext.Current.CancellationToken));
        Assert.DoesNotContain(await farm.Progress.ReadAsync(job.JobId, null, 100, TestContext.Current.CancellationToken), e => e.Stage == JobStage.Writing);
    }

    [Fact]
    public async Task Engine_errors_use_up_the_jobs_attempts_and_then_fail_it()
    {
        await using var farm = await TestFarm.StartAsync(1, _ => new SimulatedVideoEngine { Behavior = (_, _) => SimulatedBehavior.Fail }, new Dictionary<string, string?>
        {
            ["Turbo:Lease:MaxEngineAttempts"] = "2",
            ["Turbo:Worker:UnhealthyAfterFailures"] = "10",
        });
        var job = await farm.SubmitAsync(Specs.Job());

        var failed = await farm.WaitForStatusAsync(job.JobId, JobStatus.Failed);

        Assert.Equal(2, failed.EngineFailures);
        Assert.Equal(AttemptOutcome.EngineError, failed.Failure!.Reason);
        Assert.Contains("simulated engine error", failed.Failure.Message);
        Assert.Equal(2, await farm.MetricAsync("turbo_job_attempts_total", "reason=\"engine_error\""));
    }

    [Fact]
    public async Task An_out_of_memory_attempt_is_retried_without_consuming_the_jobs_attempts()
    {
        await using var farm = await TestFarm.StartAsync(1, _ => new SimulatedVideoEngine { Behavior = (_, n) => n == 1 ? SimulatedBehavior.OutOfMemory : SimulatedBehavior.Succeed }, new Dictionary<string, string?>
        {
            ["Turbo:Lease:MaxEngineAttempts"] = "1",
        });
        var job = await farm.SubmitAsync(Specs.Job());

        var done = await farm.WaitForStatusAsync(job.JobId, JobStatus.Succeeded);

        Assert.Equal(AttemptOutcome.OutOfMemory, done.Attempts[0].Outcome);
        Assert.Equal(0, done.EngineFailures);
        Assert.Equal(1, done.InfrastructureRequeues);
    }

    [Fact]
    public async Task A_worker_failing_jobs_of_two_tenants_in_a_row_stops_leasing_and_reports_unhealthy()
    {
        await using var farm = await TestFarm.StartAsync(1, _ => new SimulatedVideoEngine { Behavior = (_, _) => SimulatedBehavior.Fail }, new Dictionary<string, string?>
        {
            ["Turbo:Lease:MaxEngineAttempts"] = "1",
            ["Turbo:Worker:UnhealthyAfterFailures"] = "2",
            ["Turbo:Worker:UnhealthyAfterTenants"] = "2",
        });
        var a = await farm.SubmitAsync(Specs.Job(tenant: "studio-a"));
        await farm.WaitForStatusAsync(a.JobId, JobStatus.Failed);
        var b = await farm.SubmitAsync(Specs.Job(tenant: "studio-b"));
        await farm.WaitForStatusAsync(b.JobId, JobStatus.Failed);

        var c = await farm.SubmitAsync(Specs.Job(tenant: "studio-c"));
        await TestFarm.WaitUntilAsync(async () => (await farm.Client.GetGrain<IWorkerRegistryGrain>("default").List()).Any(w => w.State == WorkerState.Unhealthy), "the worker to report unhealthy");
        await Task.Delay(500, TestContext.Current.CancellationToken);

        var worker = Assert.Single(await farm.Client.GetGrain<IWorkerRegistryGrain>("default").List());
        Assert.Contains("2 jobs of 2 tenants failed in a row", worker.Health);
        Assert.Equal(JobStatus.Queued, (await farm.Store.GetAsync(c.JobId, TestContext.Current.CancellationToken))!.Status);
    }

    [Fact]
    public async Task Jobs_of_several_tenants_naming_a_missing_model_fail_without_taking_the_worker_out()
    {
        await using var farm = await TestFarm.StartAsync(1, _ => new SimulatedVideoEngine
        {
            Behavior = (request, _) => request.Model == "missing" ? SimulatedBehavior.MissingModel : SimulatedBehavior.Succeed,
        }, new Dictionary<string, string?>
        {
            ["Turbo:Lease:MaxEngineAttempts"] = "1",
            ["Turbo:Worker:UnhealthyAfterFailures"] = "2",
            ["Turbo:Worker:UnhealthyAfterTenants"] = "2",
        });
        foreach (var tenant in new[] { "studio-a", "studio-b", "studio-c" })
        {
            var bad = await farm.SubmitAsync(Specs.Job(tenant: tenant, model: "missing"));
            Assert.Equal(AttemptOutcome.EngineError, (await farm.WaitForStatusAsync(bad.JobId, JobStatus.Failed)).Attempts.Single().Outcome);
        }

        var good = await farm.SubmitAsync(Specs.Job(tenant: "studio-d"));

        await farm.WaitForStatusAsync(good.JobId, JobStatus.Succeeded);
        Assert.DoesNotContain(await farm.Client.GetGrain<IWorkerRegistryGrain>("default").List(), w => w.State == WorkerState.Unhealthy);
    }

    [Fact]
    public async Task Failing_one_tenants_jobs_in_a_row_does_not_take_the_worker_out()
    {
        await using var farm = await TestFarm.StartAsync(1, _ => new SimulatedVideoEngine { Behavior = (request, _) => request.Prompt == "bad" ? SimulatedBehavior.Fail : SimulatedBehavior.Succeed }, new Dictionary<string, string?>
        {
            ["Turbo:Lease:MaxEngineAttempts"] = "1",
            ["Turbo:Worker:UnhealthyAfterFailures"] = "2",
            ["Turbo:Worker:UnhealthyAfterTenants"] = "2",
        });
        foreach (var _ in Enumerable.Range(0, 3))
        {
            var bad = await farm.SubmitAsync(Specs.Job(prompt: "bad"));
            await farm.WaitForStatusAsync(bad.JobId, JobStatus.Failed);
        }

        var good = await farm.SubmitAsync(Specs.Job(tenant: "studio-b"));

        await farm.WaitForStatusAsync(good.JobId, JobStatus.Succeeded);
    }

    private static async Task<ArtifactRef> UploadAsync(TestFarm farm, JobState job, Guid token)
    {
        var file = Path.GetTempFileName();
        await File.WriteAllTextAsync(file, $"render of attempt {token}", TestContext.Current.CancellationToken);
        var artifact = await farm.Artifacts.UploadAsync(new ArtifactUpload(job.Spec.Tenant, job.JobId, token, file, file, null), TestContext.Current.CancellationToken);
        File.Delete(file);
        return artifact;
    }
}
