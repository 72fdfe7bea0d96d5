using TurboDiffusion.Farm.Contracts;

namespace TurboDiffusion.Farm.Stores.InMemory;

/// <summary>
/// Job state in process memory for the embedded farm (one process, nothing survives a restart). Finished jobs are
/// dropped after <paramref name="retention"/>. Listings scan every record: fine at embedded scale, not for a farm.
/// </summary>
public sealed class InMemoryJobStore(TimeProvider time, TimeSpan retention) : IJobStore
{
    public static readonly TimeSpan DefaultRetention = TimeSpan.FromDays(1);
    private const int PruneEveryWrites = 1024;

    private readonly Lock gate = new();
    private readonly Dictionary<string, JobState> jobs = [];
    private readonly Dictionary<string, BatchState> batches = [];
    private readonly Dictionary<string, Dictionary<JobStatus, int>> batchCounts = [];

    /// <summary>Render index: (tenant, or null for any tenant; content key) → the job id of the latest success.</summary>
    private readonly Dictionary<(string? Tenant, string Key), string> renders = [];
    private int writesSincePrune;

    public InMemoryJobStore()
        : this(TimeProvider.System, DefaultRetention)
    {
    }

    public Task<JobState?> GetAsync(string jobId, CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            return Task.FromResult(jobs.GetValueOrDefault(jobId));
        }
    }

    public Task<IReadOnlyList<JobState>> GetManyAsync(IReadOnlyList<string> jobIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobIds);
        lock (gate)
        {
            IReadOnlyList<JobState> found = [.. jobIds.Select(jobs.GetValueOrDefault).OfType<JobState>()];
            return Task.FromResult(found);
        }
    }

    public Task<bool> TryCreateAsync(JobState job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        lock (gate)
        {
            var created = jobs.TryAdd(job.JobId, job);
            if (created)
            {
                Count(job.BatchId, job.Status, 1);
            }

            PruneNow();
            return Task.FromResult(created);
        }
    }

    public Task UpdateAsync(JobState previous, JobState replacement, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(previous);
        ArgumentNullException.ThrowIfNull(replacement);
        lock (gate)
        {
            if (!jobs.TryGetValue(replacement.JobId, out var stored) || stored.Version != previous.Version)
            {
                throw new JobStoreConflictException($"memory:{replacement.JobId}", replacement.JobId, previous.Version, stored?.Version);
            }

            jobs[replacement.JobId] = replacement;
            if (stored.Status != replacement.Status)
            {
                Count(stored.BatchId, stored.Status, -1);
                Count(replacement.BatchId, replacement.Status, 1);
            }

            if (replacement is { Status: JobStatus.Succeeded, Artifact.ContentKey: { } key })
            {
                renders[(replacement.Spec.Tenant, key)] = replacement.JobId;
                renders[(null, key)] = replacement.JobId;
            }

            PruneNow();
            return Task.CompletedTask;
        }
    }

    public Task<JobState?> FindRenderAsync(string contentKey, string? tenant, CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            if (!renders.TryGetValue((tenant, contentKey), out var jobId))
            {
                return Task.FromResult<JobState?>(null);
            }

            if (jobs.GetValueOrDefault(jobId) is { Status: JobStatus.Succeeded } job && job.Artifact?.ContentKey == contentKey)
            {
                return Task.FromResult<JobState?>(job);
            }

            renders.Remove((tenant, contentKey));
            return Task.FromResult<JobState?>(null);
        }
    }

    public Task<IReadOnlyList<JobState>> ListActiveAsync(string pool, CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            IReadOnlyList<JobState> active = [.. jobs.Values.Where(j => j.Pool == pool && !j.Status.IsTerminal())];
            return Task.FromResult(active);
        }
    }

    public Task<JobPage> ListAsync(JobQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        query.EnsureValid();
        lock (gate)
        {
            var matching = jobs.Values.Where(query.Matches)
                .OrderByDescending(j => j.Timings.SubmittedAt).ThenBy(j => j.JobId, StringComparer.Ordinal)
                .Skip((int)Math.Min(query.Cursor, int.MaxValue)).Take(query.Limit + 1).ToList();
            var next = matching.Count > query.Limit ? query.Cursor + query.Limit : (long?)null;
            return Task.FromResult(new JobPage([.. matching.Take(query.Limit)], next));
        }
    }

    public Task<bool> TryCreateBatchAsync(BatchState batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        lock (gate)
        {
            return Task.FromResult(batches.TryAdd(batch.BatchId, batch));
        }
    }

    public Task<BatchPage> ListBatchesAsync(string tenant, int limit, long cursor = 0, CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            var page = batches.Values.Where(b => b.Tenant == tenant && b.ParentBatchId is null)
                .OrderByDescending(b => b.CreatedAt).ThenBy(b => b.BatchId, StringComparer.Ordinal)
                .Skip((int)Math.Min(cursor, int.MaxValue)).Take(limit + 1).ToList();
            return Task.FromResult(new BatchPage([.. page.Take(limit)], page.Count > limit ? cursor + limit : null));
        }
    }

    public Task<BatchState?> GetBatchAsync(string batchId, CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            return Task.FromResult(batches.GetValueOrDefault(batchId));
        }
    }

    public Task<BatchCounts?> GetBatchCountsAsync(string batchId, CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            return Task.FromResult(batchCounts.TryGetValue(batchId, out var counts) ? Snapshot(counts) : null);
        }
    }

    public Task<BatchCounts> RecountBatchAsync(string batchId, CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            var counts = jobs.Values.Where(j => j.BatchId == batchId).GroupBy(j => j.Status).ToDictionary(g => g.Key, g => g.Count());
            batchCounts[batchId] = counts;
            return Task.FromResult(Snapshot(counts));
        }
    }

    private static BatchCounts Snapshot(Dictionary<JobStatus, int> counts) =>
        new(counts.Where(c => c.Value != 0).ToDictionary(), counts.Values.Sum());

    private void Count(string? batchId, JobStatus status, int change)
    {
        if (batchId is null)
        {
            return;
        }

        if (!batchCounts.TryGetValue(batchId, out var counts))
        {
            counts = batchCounts[batchId] = [];
        }

        counts[status] = counts.GetValueOrDefault(status) + change;
    }

    private void PruneNow()
    {
        if (++writesSincePrune < PruneEveryWrites)
        {
            return;
        }

        writesSincePrune = 0;
        var cutoff = time.GetUtcNow() - retention;
        foreach (var old in jobs.Values.Where(j => j.Status.IsTerminal() && j.Timings.FinishedAt < cutoff).ToList())
        {
            jobs.Remove(old.JobId);
            Count(old.BatchId, old.Status, -1);
        }

        foreach (var gone in renders.Where(r => !jobs.ContainsKey(r.Value)).Select(r => r.Key).ToList())
        {
            renders.Remove(gone);
        }

        var live = jobs.Values.Select(j => j.BatchId).OfType<string>().ToHashSet();
        foreach (var old in batches.Values.Where(b => b.CreatedAt < cutoff && !live.Contains(b.BatchId)).Select(b => b.BatchId).ToList())
        {
            batches.Remove(old);
            batchCounts.Remove(old);
        }
    }
}
