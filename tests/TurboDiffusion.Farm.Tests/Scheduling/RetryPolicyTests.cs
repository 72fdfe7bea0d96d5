using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Farm.Options;
using TurboDiffusion.Farm.Scheduling;
using TurboDiffusion.Farm.Tests.Support;

namespace TurboDiffusion.Farm.Tests.Scheduling;

public sealed class RetryPolicyTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);
    private static readonly LeaseOptions Options = new() { MaxEngineAttempts = 2, MaxInfrastructureRequeues = 3 };

    private static (JobState Job, Guid Token) Lease(JobState job)
    {
        var token = Guid.NewGuid();
        return (job.Leased(new LeaseInfo(token, "w", "s", T0), T0), token);
    }

    [Fact]
    public void Engine_errors_consume_attempts_until_the_job_fails()
    {
        var (first, t1) = Lease(JobState.Submitted("j", Specs.Job(), "default", null, T0));
        var afterFirst = RetryPolicy.AfterAttempt(first, t1, AttemptOutcome.EngineError, "boom", Options, T0);
        var (second, t2) = Lease(afterFirst);

        var afterSecond = RetryPolicy.AfterAttempt(second, t2, AttemptOutcome.EngineError, "boom", Options, T0);

        Assert.Equal(JobStatus.Queued, afterFirst.Status);
        Assert.Equal(JobStatus.Failed, afterSecond.Status);
        Assert.Contains("attempt 2 of 2", afterSecond.Failure!.Message);
    }

    [Theory]
    [InlineData(AttemptOutcome.SiloLost)]
    [InlineData(AttemptOutcome.Drained)]
    [InlineData(AttemptOutcome.OutOfMemory)]
    [InlineData(AttemptOutcome.LeaseExpired)]
    public void Infrastructure_failures_requeue_without_consuming_engine_attempts(AttemptOutcome reason)
    {
        var job = JobState.Submitted("j", Specs.Job(), "default", null, T0);
        for (var i = 0; i < 3; i++)
        {
            var (leased, token) = Lease(job);
            job = RetryPolicy.AfterAttempt(leased, token, reason, "lost", Options, T0);
            Assert.Equal(JobStatus.Queued, job.Status);
        }

        var (last, lastToken) = Lease(job);
        var failed = RetryPolicy.AfterAttempt(last, lastToken, reason, "lost", Options, T0);

        Assert.Equal(0, failed.EngineFailures);
        Assert.Equal(JobStatus.Failed, failed.Status);
        Assert.Contains("MaxInfrastructureRequeues", failed.Failure!.Message);
    }

    [Fact]
    public void A_lost_lease_of_a_job_asked_to_cancel_ends_canceled()
    {
        var (leased, _) = Lease(JobState.Submitted("j", Specs.Job(), "default", null, T0));

        var ended = RetryPolicy.AfterAttempt(leased.CancelAsked(T0), null, AttemptOutcome.LeaseExpired, "lost", Options, T0);

        Assert.Equal(JobStatus.Canceled, ended.Status);
        Assert.Equal(AttemptOutcome.Canceled, ended.Attempts[^1].Outcome);
    }
}
