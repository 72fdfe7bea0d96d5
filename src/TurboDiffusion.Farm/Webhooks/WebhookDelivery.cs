using TurboDiffusion.Farm.Contracts;

namespace TurboDiffusion.Farm.Webhooks;

/// <summary>Where a delivery is: waiting for its next attempt, delivered (a 2xx), or given up.</summary>
public enum WebhookDeliveryStatus
{
    Pending,
    Delivered,
    GaveUp,
}

/// <summary>
/// One webhook call for one state change of a job, kept until it is delivered or given up. <see cref="Id"/> is stable
/// across retries ("{jobId}.v{version}"), so a receiver can drop repeats; <see cref="Job"/> is the record as it was at
/// the change, with the scheduler's <see cref="Estimate"/> on a job.queued delivery.
/// </summary>
public sealed record WebhookDelivery(
    string Id,
    string JobId,
    string Tenant,
    Uri Url,
    string Event,
    JobState Job,
    DateTimeOffset CreatedAt,
    WebhookDeliveryStatus Status = WebhookDeliveryStatus.Pending,
    int Attempts = 0,
    DateTimeOffset? NextAttemptAt = null,
    int? LastStatusCode = null,
    string? LastError = null,
    DateTimeOffset? FinishedAt = null,
    JobEstimate? Estimate = null)
{
    /// <summary>The delivery for a change to <paramref name="job"/>, or null when the job has no webhook or the change is not announced.</summary>
    public static WebhookDelivery? For(JobState job, DateTimeOffset now, JobEstimate? estimate = null)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (job.Spec.Webhook is not { } url || !IsAnnounced(job.Status))
        {
            return null;
        }

        return new WebhookDelivery($"{job.JobId}.v{job.Version}", job.JobId, job.Spec.Tenant, url, EventName(job.Status), job, now, NextAttemptAt: now, Estimate: estimate);
    }

    /// <summary>"job.queued", "job.running", "job.succeeded", ... Leased and Uploading pass too quickly to announce.</summary>
    public static string EventName(JobStatus status) => "job." + status.ToString().ToLowerInvariant();

    private static bool IsAnnounced(JobStatus status) => status is not (JobStatus.Leased or JobStatus.Uploading);
}
