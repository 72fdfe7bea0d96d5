namespace TurboDiffusion.Client.Models;

/// <summary>How a batch is doing.</summary>
/// <param name="Counts">Item jobs per status name ("queued", "succeeded", ...; only statuses that occur); see <see cref="CountOf"/>.</param>
/// <param name="Rejected">Items that admission turned away; upload the same file again with the same idempotency key after <paramref name="RetryAfterSeconds"/>.</param>
public sealed record BatchView(
    string Id,
    string Tenant,
    int Total,
    IReadOnlyDictionary<string, int> Counts,
    int Finished,
    int Rejected,
    double? RetryAfterSeconds,
    DateTimeOffset CreatedAt,
    bool IsFinished)
{
    public int CountOf(JobStatus status) => Counts.TryGetValue(WireNames.Of(status), out var count) ? count : 0;
}
