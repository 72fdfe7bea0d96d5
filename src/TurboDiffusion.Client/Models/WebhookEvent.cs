namespace TurboDiffusion.Client.Models;

/// <summary>The body of a webhook call: the event ("job.queued", "job.running", "job.succeeded", ...) and the job as it was then.</summary>
/// <param name="Id">The delivery id, also in the webhook-id header: the same on every retry.</param>
public sealed record WebhookEvent(string Id, string Type, DateTimeOffset CreatedAt, JobView Job);

/// <summary>One webhook delivery of a job ("pending", "delivered" or "gaveup") and how its last attempt went.</summary>
public sealed record WebhookDeliveryView(
    string Id,
    string Event,
    Uri Url,
    string Status,
    int Attempts,
    int? LastStatusCode,
    string? LastError,
    DateTimeOffset CreatedAt,
    DateTimeOffset? NextAttemptAt,
    DateTimeOffset? FinishedAt);
