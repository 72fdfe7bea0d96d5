using TurboDiffusion.Farm.Contracts;

namespace TurboDiffusion.FarmBench.Tests;

/// <summary>Requeue and resume times are measured from each killed silo's kill to its job's attempt ending and the next one starting.</summary>
public sealed class KillReportTests
{
    private static readonly DateTimeOffset KilledAt = new(2026, 12, 7, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Only_attempts_on_killed_silos_count_and_each_is_timed_from_its_silos_kill()
    {
        var interrupted = Job("a",
            new JobAttempt(1, "Silo_2", KilledAt.AddSeconds(-1), KilledAt.AddSeconds(1.5), AttemptOutcome.SiloLost),
            new JobAttempt(2, "Silo_1", KilledAt.AddSeconds(2), KilledAt.AddSeconds(3), AttemptOutcome.Succeeded));
        var expired = Job("b",
            new JobAttempt(1, "Silo_2", KilledAt.AddSeconds(-1), KilledAt.AddSeconds(3), AttemptOutcome.LeaseExpired),
            new JobAttempt(2, "Silo_1", KilledAt.AddSeconds(3.5), KilledAt.AddSeconds(4), AttemptOutcome.Succeeded));
        var untouched = Job("c", new JobAttempt(1, "Silo_1", KilledAt, KilledAt.AddSeconds(1), AttemptOutcome.Succeeded));
        // A later silo under the killed one's name, killed in turn: its attempt is timed from the second kill.
        var reused = Job("d",
            new JobAttempt(1, "Silo_2", KilledAt.AddSeconds(10), KilledAt.AddSeconds(21), AttemptOutcome.SiloLost),
            new JobAttempt(2, "Silo_1", KilledAt.AddSeconds(21.5), KilledAt.AddSeconds(22), AttemptOutcome.Succeeded));

        var report = KillReport.Of([new SiloKill("Silo_2", KilledAt), new SiloKill("Silo_2", KilledAt.AddSeconds(20))], [interrupted, expired, untouched, reused], new ResumeSavings(2, 1.5));

        Assert.Equal(2, report.Kills);
        Assert.Equal(20, report.SpanSeconds, 3);
        Assert.Equal(3, report.Interrupted);
        Assert.Equal(2, report.EndedAs["silo_lost"]);
        Assert.Equal(1, report.EndedAs["lease_expired"]);
        Assert.Equal(3000, report.Requeue.MaxMs, 3);
        Assert.Equal(1500, report.Requeue.P50Ms, 3);
        Assert.Equal(3500, report.Resume.MaxMs, 3);
        Assert.Equal(new ResumeSavings(2, 1.5), report.Resumed);
    }

    private static JobState Job(string id, params JobAttempt[] attempts) =>
        JobState.Submitted(id, new JobSpec("a shot", "model-0", JobResolution.P480, JobAspect.Landscape16x9, 81, 4, 1, JobPriority.Normal, "tenant-0"), "default", null, KilledAt) with
        {
            Status = JobStatus.Succeeded,
            Attempts = [.. attempts],
        };
}
