namespace TurboDiffusion.Farm.Contracts;

/// <summary>How one attempt (one lease) of a job ended.</summary>
public enum AttemptOutcome
{
    Succeeded,

    /// <summary>The engine threw: counts against the job's retries.</summary>
    EngineError,

    /// <summary>The GPU ran out of memory: the worker's fault, not the job's.</summary>
    OutOfMemory,

    /// <summary>The lease was not heartbeated in time.</summary>
    LeaseExpired,

    /// <summary>The membership service declared the worker's silo dead.</summary>
    SiloLost,

    /// <summary>The worker was draining (SIGTERM, scale-in) and handed the job back.</summary>
    Drained,

    /// <summary>The artifact store failed.</summary>
    StorageError,

    Canceled,

    /// <summary>
    /// The worker's machine failed (a missing tool, the encoder crashed, the disk is full, the model could not be
    /// loaded into device memory): the worker's fault, not the job's.
    /// </summary>
    WorkerFault,
}

public static class AttemptOutcomeExtensions
{
    /// <summary>Infrastructure failures do not consume the job's retries.</summary>
    public static bool IsInfrastructure(this AttemptOutcome outcome) =>
        outcome is AttemptOutcome.OutOfMemory or AttemptOutcome.LeaseExpired or AttemptOutcome.SiloLost
            or AttemptOutcome.Drained or AttemptOutcome.StorageError or AttemptOutcome.WorkerFault;

    /// <summary>Failures that say the worker that ran the attempt is broken: they count against it, not the job.</summary>
    public static bool BlamesWorker(this AttemptOutcome outcome) =>
        outcome is AttemptOutcome.OutOfMemory or AttemptOutcome.StorageError or AttemptOutcome.WorkerFault;

    /// <summary>The Prometheus label value (snake_case).</summary>
    public static string Label(this AttemptOutcome outcome) => outcome switch
    {
        AttemptOutcome.Succeeded => "succeeded",
        AttemptOutcome.EngineError => "engine_error",
        AttemptOutcome.OutOfMemory => "oom",
        AttemptOutcome.LeaseExpired => "lease_expired",
        AttemptOutcome.SiloLost => "silo_lost",
        AttemptOutcome.Drained => "drain",
        AttemptOutcome.StorageError => "storage_error",
        AttemptOutcome.Canceled => "canceled",
        AttemptOutcome.WorkerFault => "worker_fault",
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, "unknown attempt outcome"),
    };
}
