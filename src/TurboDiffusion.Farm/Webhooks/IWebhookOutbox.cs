namespace TurboDiffusion.Farm.Webhooks;

/// <summary>
/// Webhook deliveries waiting to be sent. The job grain adds one per announced state change (a store write, never an
/// HTTP call); dispatchers claim due deliveries (several may run: a claim hides a delivery for a while), send them
/// and record each outcome.
/// </summary>
public interface IWebhookOutbox
{
    /// <summary>Adds a delivery; a delivery with the same id already present is left as it is.</summary>
    Task AddAsync(WebhookDelivery delivery, CancellationToken cancellationToken = default);

    /// <summary>Up to <paramref name="max"/> pending deliveries due at <paramref name="now"/>, each hidden from other claims for <paramref name="claimFor"/>.</summary>
    Task<IReadOnlyList<WebhookDelivery>> ClaimDueAsync(DateTimeOffset now, int max, TimeSpan claimFor, CancellationToken cancellationToken = default);

    /// <summary>Stores an attempt's outcome: a pending delivery waits for its NextAttemptAt, a finished one leaves the queue.</summary>
    Task RecordAsync(WebhookDelivery delivery, CancellationToken cancellationToken = default);

    /// <summary>A job's deliveries, oldest first (what was sent, how it went).</summary>
    Task<IReadOnlyList<WebhookDelivery>> ListForJobAsync(string jobId, CancellationToken cancellationToken = default);
}
