using System.Collections.Immutable;

namespace TurboDiffusion.Farm.Contracts;

/// <summary>Many jobs submitted together. Items keep their own priority unless <paramref name="Priority"/> overrides it.</summary>
/// <param name="IdempotencyKey">Resubmitting with the same key reaches the same batch and the same item jobs.</param>
/// <param name="ParentBatchId">
/// Set when this batch is one part of a larger upload submitted part by part (so it never sits in memory whole): the
/// item jobs then name the parent as their batch, and the parent is recorded by <see cref="IBatchGrain.Combine"/>.
/// </param>
[GenerateSerializer, Immutable, Alias("turbo.BatchSpec.v1")]
public sealed record BatchSpec(
    [property: Id(0)] string Tenant,
    [property: Id(1)] ImmutableArray<JobSpec> Items,
    [property: Id(2)] string? IdempotencyKey = null,
    [property: Id(3)] JobPriority? Priority = null,
    [property: Id(4)] string? ParentBatchId = null);

/// <summary>The stored record of a batch: its items' job ids in submission order.</summary>
/// <param name="ParentBatchId">Set on a part of a larger upload (see <see cref="BatchSpec.ParentBatchId"/>); parts are not listed as batches.</param>
[GenerateSerializer, Immutable, Alias("turbo.BatchState.v1")]
public sealed record BatchState(
    [property: Id(0)] string BatchId,
    [property: Id(1)] string Tenant,
    [property: Id(2)] DateTimeOffset CreatedAt,
    [property: Id(3)] ImmutableArray<string> JobIds,
    [property: Id(4)] string? ParentBatchId = null);

/// <summary>How a batch is doing.</summary>
/// <param name="Counts">Item jobs per status (only statuses that occur); items over the tenant's quota count as <see cref="JobStatus.Held"/>.</param>
/// <param name="Rejected">Items that admission turned away on the last submission (their pool was full); resubmit the batch after <paramref name="RetryAfter"/>.</param>
[GenerateSerializer, Immutable, Alias("turbo.BatchSummary.v1")]
public sealed record BatchSummary(
    [property: Id(0)] string BatchId,
    [property: Id(1)] string Tenant,
    [property: Id(2)] int Total,
    [property: Id(3)] ImmutableDictionary<JobStatus, int> Counts,
    [property: Id(4)] DateTimeOffset CreatedAt,
    [property: Id(5)] int Rejected = 0,
    [property: Id(6)] TimeSpan RetryAfter = default)
{
    public int Finished => Counts.Where(c => c.Key.IsTerminal()).Sum(c => c.Value);

    /// <summary>Items waiting in the store for room in the tenant's quota.</summary>
    public int Held => Counts.GetValueOrDefault(JobStatus.Held);

    public bool IsFinished => Rejected == 0 && Finished == Total;
}

/// <summary>A slice of a batch's item job ids in upload order, with whose batch it is and how many items it has.</summary>
[GenerateSerializer, Immutable, Alias("turbo.BatchJobSlice.v1")]
public sealed record BatchJobSlice(
    [property: Id(0)] string Tenant,
    [property: Id(1)] int Total,
    [property: Id(2)] ImmutableArray<string> JobIds);
