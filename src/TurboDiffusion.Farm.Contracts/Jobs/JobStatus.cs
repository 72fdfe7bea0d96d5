namespace TurboDiffusion.Farm.Contracts;

/// <summary>
/// Where a job is. Queued → Leased → Running → Uploading → Succeeded is the happy path; a lost or failed
/// attempt goes back to Queued while retries remain, else to Failed; Canceled and Expired end it early.
/// A batch item over its tenant's quota starts Held (recorded, not yet queued) and goes to Queued when released.
/// </summary>
public enum JobStatus
{
    Queued,
    Leased,
    Running,
    Uploading,
    Succeeded,
    Failed,
    Canceled,
    Expired,

    /// <summary>Accepted with its batch but waiting in the store for room in its tenant's quota. Last, so stored values of the others stay.</summary>
    Held,
}

public static class JobStatusExtensions
{
    public static bool IsTerminal(this JobStatus status) =>
        status is JobStatus.Succeeded or JobStatus.Failed or JobStatus.Canceled or JobStatus.Expired;

    /// <summary>Held by a worker: a lease token is outstanding.</summary>
    public static bool IsLeased(this JobStatus status) =>
        status is JobStatus.Leased or JobStatus.Running or JobStatus.Uploading;
}
