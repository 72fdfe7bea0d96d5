namespace TurboDiffusion.Farm.Webhooks;

/// <summary>Deliveries in process memory for the embedded farm: at most <see cref="MaxDeliveries"/>, the oldest finished ones dropped first.</summary>
public sealed class InMemoryWebhookOutbox : IWebhookOutbox
{
    public const int MaxDeliveries = 10_000;

    private readonly Lock gate = new();
    private readonly Dictionary<string, WebhookDelivery> deliveries = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> hiddenUntil = new(StringComparer.Ordinal);

    public Task AddAsync(WebhookDelivery delivery, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        lock (gate)
        {
            if (deliveries.TryAdd(delivery.Id, delivery) && deliveries.Count > MaxDeliveries)
            {
                var oldest = deliveries.Values.Where(d => d.Status != WebhookDeliveryStatus.Pending).MinBy(d => d.CreatedAt)
                    ?? deliveries.Values.MinBy(d => d.CreatedAt)!;
                deliveries.Remove(oldest.Id);
            }
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<WebhookDelivery>> ClaimDueAsync(DateTimeOffset now, int max, TimeSpan claimFor, CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            IReadOnlyList<WebhookDelivery> due = [.. deliveries.Values
                .Where(d => d.Status == WebhookDeliveryStatus.Pending && (d.NextAttemptAt ?? d.CreatedAt) <= now
                    && (!hiddenUntil.TryGetValue(d.Id, out var until) || until <= now))
                .OrderBy(d => d.NextAttemptAt ?? d.CreatedAt)
                .Take(max)];
            foreach (var delivery in due)
            {
                hiddenUntil[delivery.Id] = now + claimFor;
            }

            return Task.FromResult(due);
        }
    }

    public Task RecordAsync(WebhookDelivery delivery, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        lock (gate)
        {
            deliveries[delivery.Id] = delivery;
            hiddenUntil.Remove(delivery.Id);
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<WebhookDelivery>> ListForJobAsync(string jobId, CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            IReadOnlyList<WebhookDelivery> found = [.. deliveries.Values.Where(d => d.JobId == jobId).OrderBy(d => d.CreatedAt).ThenBy(d => d.Job.Version)];
            return Task.FromResult(found);
        }
    }
}
