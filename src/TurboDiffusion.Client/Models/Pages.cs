namespace TurboDiffusion.Client.Models;

/// <summary>One page of a listing; pass <see cref="NextCursor"/> back in a <see cref="PageRequest"/> for the next page (null on the last).</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor);

/// <summary>
/// Which page of a listing to read: at most <paramref name="Limit"/> items (the listing's default when null) after
/// <paramref name="Cursor"/>, the <see cref="Page{T}.NextCursor"/> of the page before (null for the first page).
/// Every listing takes it: jobs, batches, a batch's jobs.
/// </summary>
public sealed record PageRequest(int? Limit = null, string? Cursor = null);

/// <summary>Filters of a job listing. Without a tenant the caller's own tenant is listed; an admin key may name any tenant, or none with a status.</summary>
public sealed record JobListQuery
{
    public string? Tenant { get; init; }

    public JobStatus? Status { get; init; }

    public string? BatchId { get; init; }
}
