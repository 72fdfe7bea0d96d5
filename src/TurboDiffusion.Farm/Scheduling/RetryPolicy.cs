using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Farm.Options;

namespace TurboDiffusion.Farm.Scheduling;

/// <summary>
/// What follows a failed or lost attempt: engine errors consume the job's attempts, infrastructure failures
/// (silo lost, drain, OOM, storage) draw on a separate, larger budget, and a canceled job stays canceled.
/// </summary>
internal static class RetryPolicy
{
    public static JobState AfterAttempt(JobState job, Guid? token, AttemptOutcome reason, string detail, LeaseOptions options, DateTimeOffset now)
    {
        if (job.CancelRequested || reason == AttemptOutcome.Canceled)
        {
            return job.CancelConfirmed(token, now);
        }

        if (reason.IsInfrastructure())
        {
            return job.InfrastructureRequeues < options.MaxInfrastructureRequeues
                ? job.Requeued(token, reason, detail, now)
                : job.Failed(token, reason, $"{detail} (requeued {job.InfrastructureRequeues} times after infrastructure failures; Turbo:Lease:MaxInfrastructureRequeues is {options.MaxInfrastructureRequeues})", now);
        }

        return job.EngineFailures + 1 < options.MaxEngineAttempts
            ? job.Requeued(token, reason, detail, now)
            : job.Failed(token, reason, $"{detail} (attempt {job.EngineFailures + 1} of {options.MaxEngineAttempts})", now);
    }
}
