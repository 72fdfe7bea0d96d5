namespace TurboDiffusion.Farm.Contracts;

/// <summary>The one thing a waiting job waits on most, named in its waiting reason.</summary>
public enum WaitingCause
{
    /// <summary>Jobs ahead of it in its pool while every worker that can render it is busy.</summary>
    Queue,

    /// <summary>Its tenant had more than its share of leases lately, so other tenants' jobs go first.</summary>
    FairShare,

    /// <summary>No worker that can render it has its model loaded: one has to switch models first.</summary>
    ModelSwitch,

    /// <summary>Workers serve the pool but none has the device memory to render it at its resolution.</summary>
    NoCapableWorker,

    /// <summary>No worker serves the pool.</summary>
    NoWorker,

    /// <summary>Held: its tenant's quota is full until its queue drains.</summary>
    Quota,
}

/// <summary>Where a job's expected GPU time comes from.</summary>
public enum CostSource
{
    /// <summary>Turbo:Cost (JobCostEstimate): nothing of its model was measured in this pool yet.</summary>
    Configured,

    /// <summary>Turbo:Cost scaled by how its model measured at other sizes, frame counts or step counts.</summary>
    Model,

    /// <summary>Measured on finished jobs of the same model, resolution, frames and steps.</summary>
    Measured,
}

/// <summary>What one job is expected to cost the worker that renders it, in seconds.</summary>
/// <param name="Seconds">From lease to finished, model loads left out.</param>
/// <param name="StepSeconds">One sampler step.</param>
/// <param name="TailSeconds">From the end of the sampler to finished: decode, MP4, upload.</param>
[GenerateSerializer, Immutable, Alias("turbo.CostFigures.v1")]
public sealed record CostFigures(
    [property: Id(0)] double Seconds,
    [property: Id(1)] double StepSeconds,
    [property: Id(2)] double TailSeconds,
    [property: Id(3)] CostSource Source);

/// <summary>
/// What one rendered job measured, reported when it succeeds, keyed by what its cost depends on (model, resolution,
/// frames, steps). Step and tail seconds are missing when the worker's progress did not show them.
/// </summary>
/// <param name="RunSeconds">From lease to finished, less a model load seen in its progress.</param>
/// <param name="LoadSeconds">The model load its worker's progress showed, or null when the model was already loaded.</param>
[GenerateSerializer, Immutable, Alias("turbo.CostSample.v1")]
public sealed record CostSample(
    [property: Id(0)] string Model,
    [property: Id(1)] JobResolution Resolution,
    [property: Id(2)] int Frames,
    [property: Id(3)] int Steps,
    [property: Id(4)] double RunSeconds,
    [property: Id(5)] double? StepSeconds,
    [property: Id(6)] double? TailSeconds,
    [property: Id(7)] double? LoadSeconds = null);

/// <summary>What loading one model has cost one worker, as its scheduler learned it from the loads its jobs showed.</summary>
/// <param name="Seconds">Moving average of the loads seen.</param>
/// <param name="Loads">Loads seen.</param>
[GenerateSerializer, Immutable, Alias("turbo.MeasuredLoad.v1")]
public sealed record MeasuredLoad(
    [property: Id(0)] string WorkerId,
    [property: Id(1)] string Model,
    [property: Id(2)] double Seconds,
    [property: Id(3)] int Loads);

/// <summary>How a lease ended, as the job grain tells its scheduler.</summary>
/// <param name="Requeue">The job goes back to the queue with this ticket.</param>
/// <param name="Succeeded">The job succeeded: one more finished video in the pool's history.</param>
/// <param name="Measured">What a rendered (not reused) success cost, for the pool to learn from.</param>
[GenerateSerializer, Immutable, Alias("turbo.LeaseEnd.v1")]
public sealed record LeaseEnd(
    [property: Id(0)] QueueTicket? Requeue,
    [property: Id(1)] bool Succeeded = false,
    [property: Id(2)] CostSample? Measured = null);

/// <summary>
/// A scheduler's estimate for one of its jobs. For a waiting job: its place, the work ahead of it, the workers that can
/// render it, when it is expected to start and finish, and why it waits. For a leased job: when it started and is
/// expected to finish (the gateway refines the finish from the job's measured steps).
/// </summary>
/// <param name="Cause">Null for a leased job.</param>
/// <param name="Reason">One plain sentence on why it waits; null for a leased job.</param>
/// <param name="Position">1 for the next job to lease in the pool; null for a held or leased job.</param>
/// <param name="AheadGpuSeconds">Expected GPU-seconds of the queued jobs expected to lease before it.</param>
/// <param name="Workers">Workers of the pool that can render it.</param>
/// <param name="BusyWorkers">Of those, the ones holding a lease now.</param>
/// <param name="StartAt">Null when no worker can render it, and for a held job (its release depends on its tenant's queue).</param>
[GenerateSerializer, Immutable, Alias("turbo.JobEstimate.v1")]
public sealed record JobEstimate(
    [property: Id(0)] string JobId,
    [property: Id(1)] WaitingCause? Cause,
    [property: Id(2)] string? Reason,
    [property: Id(3)] int? Position,
    [property: Id(4)] double? AheadGpuSeconds,
    [property: Id(5)] int Workers,
    [property: Id(6)] int BusyWorkers,
    [property: Id(7)] DateTimeOffset? StartAt,
    [property: Id(8)] DateTimeOffset? FinishAt,
    [property: Id(9)] CostFigures Cost);

/// <summary>One minute of a pool's recent past, for its charts.</summary>
/// <param name="At">The minute's start (UTC).</param>
/// <param name="Depth">The most jobs queued at once during the minute.</param>
/// <param name="Finished">Jobs that succeeded during the minute.</param>
[GenerateSerializer, Immutable, Alias("turbo.PoolMinute.v1")]
public sealed record PoolMinute(
    [property: Id(0)] DateTimeOffset At,
    [property: Id(1)] int Depth,
    [property: Id(2)] int Finished);
