using TurboDiffusion.Farm.Contracts;

namespace TurboDiffusion.Farm.Stores;

/// <summary>
/// Where job and batch records live (Redis in a farm, memory in the embedded farm). Creation is
/// insert-if-absent, so the store decides duplicates; updates are compare-and-set on <see cref="JobState.Version"/>.
/// </summary>
public interface IJobStore
{
    Task<JobState?> GetAsync(string jobId, CancellationToken cancellationToken = default);

    /// <summary>The records of those ids that exist, in the order asked.</summary>
    Task<IReadOnlyList<JobState>> GetManyAsync(IReadOnlyList<string> jobIds, CancellationToken cancellationToken = default);

    /// <summary>Stores a new job; false when the id already exists (nothing is written).</summary>
    Task<bool> TryCreateAsync(JobState job, CancellationToken cancellationToken = default);

    /// <summary>
    /// Replaces <paramref name="previous"/> by <paramref name="replacement"/> if the stored version is still that of <paramref name="previous"/>,
    /// else throws <see cref="JobStoreConflictException"/>.
    /// </summary>
    Task UpdateAsync(JobState previous, JobState replacement, CancellationToken cancellationToken = default);

    /// <summary>
    /// The latest succeeded job whose artifact has <paramref name="contentKey"/> (<see cref="RenderKey"/>), of
    /// <paramref name="tenant"/>'s jobs, or of any tenant's when null; null when there is none. The index entry a
    /// success writes (in the same atomic write as the job) lives as long as the job's record: a render is found only
    /// while its job is, and an entry whose job is gone or changed is dropped as the lookup meets it.
    /// </summary>
    Task<JobState?> FindRenderAsync(string contentKey, string? tenant, CancellationToken cancellationToken = default);

    /// <summary>The jobs of a pool that are not finished (queued or leased): what a scheduler rebuilds itself from.</summary>
    Task<IReadOnlyList<JobState>> ListActiveAsync(string pool, CancellationToken cancellationToken = default);

    /// <summary>Jobs by batch, tenant and/or status, newest first.</summary>
    Task<JobPage> ListAsync(JobQuery query, CancellationToken cancellationToken = default);

    /// <summary>Stores a new batch; false when the id already exists.</summary>
    Task<bool> TryCreateBatchAsync(BatchState batch, CancellationToken cancellationToken = default);

    Task<BatchState?> GetBatchAsync(string batchId, CancellationToken cancellationToken = default);

    /// <summary>
    /// The batch's item jobs per status as the store keeps them, changed in the same atomic write as each job (O(1) to
    /// read), with how many item jobs the batch's index holds. Null when the store keeps no counts for it (never
    /// counted, or lost); <see cref="BatchCounts.Consistent"/> false when they disagree with the index.
    /// </summary>
    Task<BatchCounts?> GetBatchCountsAsync(string batchId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Counts the batch's item jobs from their records and replaces the kept counts with the result in one atomic step,
    /// dropping index entries whose record expired: the repair after a crash, a lost key or expired jobs.
    /// </summary>
    Task<BatchCounts> RecountBatchAsync(string batchId, CancellationToken cancellationToken = default);

    /// <summary>A tenant's batches, newest first (parts of larger uploads left out); <paramref name="cursor"/> continues a previous page.</summary>
    Task<BatchPage> ListBatchesAsync(string tenant, int limit, long cursor = 0, CancellationToken cancellationToken = default);
}

/// <summary>A batch's item jobs per status, and how many item jobs its index holds.</summary>
public sealed record BatchCounts(IReadOnlyDictionary<JobStatus, int> ByStatus, long Indexed)
{
    public int Counted => ByStatus.Values.Sum();

    /// <summary>Whether every indexed item job is counted once: what a summary may trust without recounting.</summary>
    public bool Consistent => Counted == Indexed && ByStatus.Values.All(c => c >= 0);
}

/// <summary>One page of batches; <paramref name="NextCursor"/> is null on the last page.</summary>
public sealed record BatchPage(IReadOnlyList<BatchState> Batches, long? NextCursor);

/// <summary>A listing filter; at least one of batch, tenant or status. <paramref name="Cursor"/> continues a previous page.</summary>
public sealed record JobQuery(string? BatchId = null, string? Tenant = null, JobStatus? Status = null, int Limit = 100, long Cursor = 0)
{
    public const int MaxLimit = 1000;

    public void EnsureValid()
    {
        if (BatchId is null && Tenant is null && Status is null)
        {
            throw new ArgumentException("A job listing needs a batch id, a tenant or a status to filter on.", nameof(BatchId));
        }

        if (Limit is < 1 or > MaxLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(Limit), Limit, $"Ask for 1 to {MaxLimit} jobs per page.");
        }

        if (Cursor < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(Cursor), Cursor, "Pass 0 or the NextCursor of the previous page.");
        }
    }

    public bool Matches(JobState job) =>
        (BatchId is null || job.BatchId == BatchId) && (Tenant is null || job.Spec.Tenant == Tenant) && (Status is null || job.Status == Status);
}

/// <summary>One page of a listing; <paramref name="NextCursor"/> is null on the last page.</summary>
public sealed record JobPage(IReadOnlyList<JobState> Jobs, long? NextCursor);

/// <summary>A compare-and-set write lost: someone else changed the job first.</summary>
public sealed class JobStoreConflictException(string key, string jobId, long expectedVersion, long? actualVersion)
    : InvalidOperationException($"Job {jobId} ({key}): expected version {expectedVersion} but the store has {(actualVersion is { } v ? v.ToString(System.Globalization.CultureInfo.InvariantCulture) : "no record")}; reload the job and retry.")
{
    public string Key { get; } = key;

    public string JobId { get; } = jobId;
}

/// <summary>The job store could not be reached or answered garbage.</summary>
public sealed class JobStoreException(string key, string message, Exception? inner = null)
    : Exception($"{message} (key {key})", inner)
{
    public string Key { get; } = key;
}
