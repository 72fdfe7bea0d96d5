using Prometheus;
using TurboDiffusion.Farm.Contracts;

namespace TurboDiffusion.Farm.Metrics;

/// <summary>
/// Every farm instrument, named by Prometheus conventions (<c>turbo_</c> prefix, base units, counters end in
/// <c>_total</c>). Labels stay bounded: pool, model, priority, outcome, reason, stage, state; never job ids or tenants.
/// Buckets fit video work: jobs take seconds to an hour, sampler steps milliseconds to tens of seconds.
/// </summary>
public sealed class FarmMetrics
{
    /// <summary>Queue wait: 0.1 s to about 1 h.</summary>
    public static readonly double[] QueueWaitBuckets = Histogram.ExponentialBuckets(0.1, 2, 16);

    /// <summary>Run and end-to-end time: 1 s to about 68 min.</summary>
    public static readonly double[] JobDurationBuckets = Histogram.ExponentialBuckets(1, 2, 13);

    /// <summary>One sampler step: 10 ms to about 40 s.</summary>
    public static readonly double[] StepBuckets = Histogram.ExponentialBuckets(0.01, 2, 13);

    /// <summary>One engine stage or a model load: 10 ms to about 11 min.</summary>
    public static readonly double[] StageBuckets = Histogram.ExponentialBuckets(0.01, 2, 17);

    /// <summary>Scheduler call overhead: 0.1 ms to about 1.6 s.</summary>
    public static readonly double[] OverheadBuckets = Histogram.ExponentialBuckets(0.0001, 2, 15);

    public FarmMetrics(CollectorRegistry registry)
    {
        var factory = Prometheus.Metrics.WithCustomRegistry(registry);
        JobsSubmitted = factory.CreateCounter("turbo_jobs_submitted_total", "Jobs accepted into a queue.", "pool", "priority");
        JobsRejected = factory.CreateCounter("turbo_jobs_rejected_total", "Submissions turned away by admission (queue full or over quota).", "pool", "reason");
        JobsCompleted = factory.CreateCounter("turbo_jobs_completed_total", "Jobs that reached a final state.", "pool", "outcome");
        JobAttempts = factory.CreateCounter("turbo_job_attempts_total", "Job attempts (leases) that ended, by how they ended.", "pool", "reason");
        QueueDepth = factory.CreateGauge("turbo_queue_depth", "Jobs waiting in a pool's queue: the autoscaling signal.", "pool", "priority");
        JobsHeld = factory.CreateGauge("turbo_jobs_held", "Batch items of a pool held over their tenant's quota, released as the tenant's queue drains.", "pool");
        QueueOldestAge = factory.CreateGauge("turbo_queue_oldest_age_seconds", "How long the oldest queued job of a pool has waited.", "pool");
        PoolBacklog = factory.CreateGauge("turbo_pool_backlog_gpu_seconds", "Estimated GPU-seconds of a pool's queued and held jobs: the autoscaling signal (work, not queue length).", "pool");
        PoolWorkers = factory.CreateGauge("turbo_pool_workers", "GPU workers of a pool by state, as they last reported.", "pool", "state");
        DedupeHits = factory.CreateCounter("turbo_dedupe_hits_total", "Jobs answered from the artifacts of an identical finished render instead of rendering.", "pool");
        DedupeSaved = factory.CreateCounter("turbo_dedupe_gpu_seconds_saved_total", "GPU-seconds the reused renders took: what dedupe hits did not spend again.", "pool");
        Resumes = factory.CreateCounter("turbo_resumes_total", "Attempts that went on from the step checkpoint of an earlier attempt instead of the first step.", "pool");
        ResumeSaved = factory.CreateCounter("turbo_resume_gpu_seconds_saved_total", "GPU-seconds of denoising the resumed attempts did not run again.", "pool");
        LeasesActive = factory.CreateGauge("turbo_leases_active", "Jobs leased to workers in a pool.", "pool");
        QueueWait = factory.CreateHistogram("turbo_job_queue_wait_seconds", "Time from entering the queue to being leased.", new HistogramConfiguration { LabelNames = ["pool", "priority"], Buckets = QueueWaitBuckets });
        RunTime = factory.CreateHistogram("turbo_job_run_seconds", "Time from the engine starting a job to its artifact being committed.", new HistogramConfiguration { LabelNames = ["model"], Buckets = JobDurationBuckets });
        EndToEnd = factory.CreateHistogram("turbo_job_end_to_end_seconds", "Time from submission to success.", new HistogramConfiguration { LabelNames = ["pool"], Buckets = JobDurationBuckets });
        LeaseOverhead = factory.CreateHistogram("turbo_scheduler_lease_seconds", "Time a scheduler takes to grant one lease (choice plus recording it).", new HistogramConfiguration { LabelNames = ["pool"], Buckets = OverheadBuckets });
        StepTime = factory.CreateHistogram("turbo_engine_step_seconds", "Wall time of one sampler step.", new HistogramConfiguration { LabelNames = ["model"], Buckets = StepBuckets });
        StageTime = factory.CreateHistogram("turbo_engine_stage_seconds", "Wall time of one engine stage.", new HistogramConfiguration { LabelNames = ["model", "stage"], Buckets = StageBuckets });
        ModelLoads = factory.CreateCounter("turbo_model_loads_total", "Models loaded onto a worker's device.", "model");
        ModelLoadTime = factory.CreateHistogram("turbo_model_load_seconds", "Time to load a model.", new HistogramConfiguration { LabelNames = ["model"], Buckets = StageBuckets });
        WorkerState = factory.CreateGauge("turbo_worker_state", "Workers of this process in each state.", "state");
        UploadBytes = factory.CreateCounter("turbo_artifact_upload_bytes_total", "Bytes of artifacts stored.");
    }

    public Counter JobsSubmitted { get; }

    public Counter JobsRejected { get; }

    public Counter JobsCompleted { get; }

    public Counter JobAttempts { get; }

    public Gauge QueueDepth { get; }

    public Gauge QueueOldestAge { get; }

    public Gauge JobsHeld { get; }

    public Gauge LeasesActive { get; }

    public Gauge PoolBacklog { get; }

    public Gauge PoolWorkers { get; }

    public Counter DedupeHits { get; }

    public Counter DedupeSaved { get; }

    public Counter Resumes { get; }

    public Counter ResumeSaved { get; }

    public Histogram QueueWait { get; }

    public Histogram RunTime { get; }

    public Histogram EndToEnd { get; }

    public Histogram LeaseOverhead { get; }

    public Histogram StepTime { get; }

    public Histogram StageTime { get; }

    public Counter ModelLoads { get; }

    public Histogram ModelLoadTime { get; }

    public Gauge WorkerState { get; }

    public Counter UploadBytes { get; }

    public static string Label(JobPriority priority) => priority.ToString().ToLowerInvariant();

    public static string Label(JobStatus status) => status.ToString().ToLowerInvariant();

    /// <summary>Records the end of a job in its final state.</summary>
    public void Finished(JobState job)
    {
        ArgumentNullException.ThrowIfNull(job);
        JobsCompleted.WithLabels(job.Pool, Label(job.Status)).Inc();
        if (job.Status == JobStatus.Succeeded && job.Timings.FinishedAt is { } finished)
        {
            EndToEnd.WithLabels(job.Pool).Observe((finished - job.Timings.SubmittedAt).TotalSeconds);
            if (job.Timings.StartedAt is { } started)
            {
                RunTime.WithLabels(job.Spec.Model).Observe((finished - started).TotalSeconds);
            }
        }
    }

    /// <summary>Publishes a pool's queue gauges.</summary>
    public void Queue(QueueSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        foreach (var priority in Enum.GetValues<JobPriority>())
        {
            QueueDepth.WithLabels(snapshot.Pool, Label(priority)).Set(snapshot.DepthByPriority.GetValueOrDefault(priority));
        }

        QueueOldestAge.WithLabels(snapshot.Pool).Set(snapshot.OldestQueuedAge.TotalSeconds);
        JobsHeld.WithLabels(snapshot.Pool).Set(snapshot.Held);
        LeasesActive.WithLabels(snapshot.Pool).Set(snapshot.Leased);
        PoolBacklog.WithLabels(snapshot.Pool).Set(snapshot.BacklogGpuSeconds);
    }

    /// <summary>Zeroes a pool's queue gauges when its scheduler leaves this process.</summary>
    public void ClearQueue(string pool)
    {
        foreach (var priority in Enum.GetValues<JobPriority>())
        {
            QueueDepth.WithLabels(pool, Label(priority)).Set(0);
        }

        QueueOldestAge.WithLabels(pool).Set(0);
        JobsHeld.WithLabels(pool).Set(0);
        LeasesActive.WithLabels(pool).Set(0);
        PoolBacklog.WithLabels(pool).Set(0);
    }

    /// <summary>Publishes a pool's workers per state (every state, so one that emptied reads 0).</summary>
    public void Workers(string pool, IEnumerable<WorkerInfo> workers)
    {
        var byState = workers.GroupBy(w => w.State).ToDictionary(g => g.Key, g => g.Count());
        foreach (var state in Enum.GetValues<WorkerState>())
        {
            PoolWorkers.WithLabels(pool, state.Label()).Set(byState.GetValueOrDefault(state));
        }
    }
}
