namespace TurboDiffusion.Client.Models;

/// <summary>One page of a listing; pass <see cref="NextCursor"/> back for the next page (null on the last).</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor);

/// <summary>Filters of a job listing. Without a tenant the caller's own tenant is listed; an admin key may name any tenant, or none with a status.</summary>
public sealed record JobListQuery
{
    public string? Tenant { get; init; }

    public JobStatus? Status { get; init; }

    public string? BatchId { get; init; }

    /// <summary>1 to 1000 jobs per page.</summary>
    public int Limit { get; init; } = 50;

    public string? Cursor { get; init; }
}
