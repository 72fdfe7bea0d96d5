using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Farm.Tests.Support;

namespace TurboDiffusion.Farm.Tests.Contracts;

public sealed class JobStateTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);
    private static readonly ArtifactRef Artifact = new("local", "/artifacts", "studio-a/job_1/x/", "video.mp4", "video.json", 0, 10, Guid.Empty);

    private static JobState Queued() => JobState.Submitted("job_1", Specs.Job(), "default", null, T0);

    private static (JobState Job, Guid Token) Running()
    {
        var token = Guid.NewGuid();
        var job = Queued().Leased(new LeaseInfo(token, "w1", "silo-1", T0), T0.AddSeconds(1)).Started(token, T0.AddSeconds(2));
        return (job, token);
    }

    [Fact]
    public void Happy_path_moves_through_every_state_and_records_timings()
    {
        var (running, token) = Running();

        var done = running.UploadStarted(token, T0.AddSeconds(9)).Succeeded(token, Artifact with { LeaseToken = token }, T0.AddSeconds(10));

        Assert.Equal(JobStatus.Succeeded, done.Status);
        Assert.Equal(T0.AddSeconds(1), done.Timings.LeasedAt);
        Assert.Equal(T0.AddSeconds(2), done.Timings.StartedAt);
        Assert.Equal(T0.AddSeconds(10), done.Timings.FinishedAt);
        Assert.Null(done.Lease);
        Assert.Equal(AttemptOutcome.Succeeded, Assert.Single(done.Attempts).Outcome);
        Assert.Equal(5, done.Version);
    }

    [Fact]
    public void A_held_job_is_released_to_queued_keeping_its_submission_time_and_cannot_be_leased_before()
    {
        var held = JobState.SubmittedHeld("job_1", Specs.Job(), "default", "bat_1", T0);

        var released = held.Released(T0.AddMinutes(5));

        Assert.Equal(JobStatus.Held, held.Status);
        Assert.Throws<InvalidJobTransitionException>(() => held.Leased(new LeaseInfo(Guid.NewGuid(), "w1", "silo-1", T0), T0));
        Assert.Equal(JobStatus.Queued, released.Status);
        Assert.Equal(held.Version + 1, released.Version);
        Assert.Equal(T0, released.Timings.SubmittedAt);
        Assert.Equal(T0.AddMinutes(5), released.Timings.QueuedAt);
        Assert.Same(released, released.Released(T0.AddMinutes(6)));
    }

    [Fact]
    public void A_held_job_cancels_at_once_and_a_canceled_one_is_never_released()
    {
        var canceled = JobState.SubmittedHeld("job_1", Specs.Job(), "default", "bat_1", T0).CancelAsked(T0.AddSeconds(1));

        Assert.Equal(JobStatus.Canceled, canceled.Status);
        Assert.Equal(T0.AddSeconds(1), canceled.Timings.FinishedAt);
        var error = Assert.Throws<InvalidJobTransitionException>(() => canceled.Released(T0.AddSeconds(2)));
        Assert.Equal(JobStatus.Canceled, error.From);
    }

    [Fact]
    public void Starting_with_a_token_the_job_never_granted_is_refused()
    {
        var error = Assert.Throws<LeaseExpiredException>(() => Queued().Started(Guid.NewGuid(), T0));

        Assert.Contains("no longer held", error.Message);
    }

    [Fact]
    public void Leasing_a_running_job_throws_invalid_transition()
    {
        var (running, _) = Running();

        var error = Assert.Throws<InvalidJobTransitionException>(() => running.Leased(new LeaseInfo(Guid.NewGuid(), "w2", "s", T0), T0));

        Assert.Equal(JobStatus.Running, error.From);
        Assert.Equal(JobStatus.Leased, error.To);
        Assert.Contains("from Running to Leased", error.Message);
    }

    [Fact]
    public void Completing_with_another_token_is_refused()
    {
        var (running, token) = Running();
        var uploading = running.UploadStarted(token, T0);

        Assert.Throws<LeaseExpiredException>(() => uploading.Succeeded(Guid.NewGuid(), Artifact, T0));
    }

    [Fact]
    public void Repeated_completion_with_the_same_token_answers_the_same_record()
    {
        var (running, token) = Running();
        var done = running.UploadStarted(token, T0).Succeeded(token, Artifact with { LeaseToken = token }, T0);

        var again = done.Succeeded(token, Artifact with { LeaseToken = token }, T0.AddMinutes(1));

        Assert.Same(done, again);
    }

    [Fact]
    public void Requeue_after_infrastructure_failure_does_not_count_as_an_engine_failure()
    {
        var (running, token) = Running();

        var requeued = running.Requeued(token, AttemptOutcome.SiloLost, "silo died", T0.AddSeconds(5));

        Assert.Equal(JobStatus.Queued, requeued.Status);
        Assert.Equal(0, requeued.EngineFailures);
        Assert.Equal(1, requeued.InfrastructureRequeues);
        Assert.Equal(T0.AddSeconds(5), requeued.Timings.QueuedAt);
        Assert.Null(requeued.Lease);
    }

    [Fact]
    public void Cancel_of_a_queued_job_ends_it_and_cancel_of_a_running_job_only_asks()
    {
        var (running, _) = Running();

        var canceledQueued = Queued().CancelAsked(T0);
        var askedRunning = running.CancelAsked(T0);

        Assert.Equal(JobStatus.Canceled, canceledQueued.Status);
        Assert.Equal(JobStatus.Running, askedRunning.Status);
        Assert.True(askedRunning.CancelRequested);
        Assert.Same(askedRunning, askedRunning.CancelAsked(T0));
    }

    [Fact]
    public void Cancel_of_a_succeeded_job_is_refused()
    {
        var (running, token) = Running();
        var done = running.UploadStarted(token, T0).Succeeded(token, Artifact with { LeaseToken = token }, T0);

        Assert.Throws<InvalidJobTransitionException>(() => done.CancelAsked(T0));
    }

    [Fact]
    public void Attempt_history_is_bounded()
    {
        var job = Queued();
        for (var i = 0; i < JobState.MaxAttemptHistory + 5; i++)
        {
            var token = Guid.NewGuid();
            job = job.Leased(new LeaseInfo(token, $"w{i}", "s", T0), T0).Requeued(token, AttemptOutcome.LeaseExpired, "lost", T0);
        }

        Assert.Equal(JobState.MaxAttemptHistory, job.Attempts.Length);
        Assert.Equal("w20", job.Attempts[^1].WorkerId);
    }

    [Theory]
    [InlineData(80, "frames")]
    [InlineData(0, "frames")]
    public void Invalid_frame_counts_are_rejected_naming_the_field(int frames, string field)
    {
        var problems = JobSpecValidator.Problems(Specs.Job() with { Frames = frames });

        Assert.Contains(problems, p => p.StartsWith(field + ":", StringComparison.Ordinal) && p.Contains("4k+1", StringComparison.Ordinal));
    }

    [Fact]
    public void Validator_accepts_a_good_spec_and_lists_every_problem_of_a_bad_one()
    {
        var bad = Specs.Job() with { Prompt = " ", Steps = 9, Tenant = "Bad Tenant", ImageReference = "https://example.org/a.png" };

        Assert.Empty(JobSpecValidator.Problems(Specs.Job()));
        var error = Assert.Throws<InvalidJobSpecException>(() => JobSpecValidator.EnsureValid(bad));
        Assert.Equal(4, error.Problems.Length);
    }

    [Fact]
    public void Idempotency_keys_give_stable_ids_per_tenant()
    {
        var a = JobIds.For(Specs.Job(key: "k1"));

        Assert.Equal(a, JobIds.For(Specs.Job(key: "k1", prompt: "other")));
        Assert.NotEqual(a, JobIds.For(Specs.Job(tenant: "studio-b", key: "k1")));
        Assert.NotEqual(JobIds.For(Specs.Job()), JobIds.For(Specs.Job()));
    }
}
