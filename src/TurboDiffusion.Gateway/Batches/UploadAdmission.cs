using System.Globalization;
using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Farm.Stores;

namespace TurboDiffusion.Gateway.Batches;

/// <summary>
/// Whether a batch upload fits, checked before any of it is submitted. Batch items over the tenant's quota are held,
/// not refused, so what bounds an upload is each pool's room for waiting jobs (queued or held,
/// Turbo:Admission:MaxQueuedPerPool); a refusal names the pool and says how many of the upload's jobs would fit now.
/// A resumed upload (same key, some parts already submitted) needs room only for its jobs not yet recorded.
/// </summary>
public sealed class UploadAdmission
{
    private readonly Dictionary<string, int> needed = new(StringComparer.Ordinal);

    /// <summary>The key of part <paramref name="index"/> of the upload sent under <paramref name="uploadKey"/>: its jobs' ids derive from it.</summary>
    public static string PartKey(string uploadKey, int index) => string.Create(CultureInfo.InvariantCulture, $"{uploadKey}#part{index}");

    /// <summary>One more job of the upload goes to <paramref name="pool"/>.</summary>
    public void Need(string pool) => needed[pool] = needed.GetValueOrDefault(pool) + 1;

    /// <summary>
    /// The needs of a resumed upload: only the jobs whose record does not exist yet, read a part at a time.
    /// <paramref name="pools"/> gives each upload line's pool, in upload order.
    /// </summary>
    public static async Task<UploadAdmission> NotYetRecordedAsync(IJobStore store, string tenant, string uploadKey, int partSize, IAsyncEnumerable<string> pools)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(pools);
        var admission = new UploadAdmission();
        var part = new List<string>(partSize);
        var index = 0;
        await foreach (var pool in pools)
        {
            part.Add(pool);
            if (part.Count == partSize)
            {
                await admission.NeedMissingAsync(store, JobIds.ForBatch(tenant, PartKey(uploadKey, index++)), part);
            }
        }

        if (part.Count > 0)
        {
            await admission.NeedMissingAsync(store, JobIds.ForBatch(tenant, PartKey(uploadKey, index)), part);
        }

        return admission;
    }

    /// <summary>Throws a 429 naming every pool the upload does not fit and how many of its jobs would fit there now.</summary>
    public async Task EnsureFitsAsync(IGrainFactory grains, string tenant)
    {
        ArgumentNullException.ThrowIfNull(grains);
        var refusals = new List<string>();
        var retryAfter = TimeSpan.Zero;
        foreach (var (pool, count) in needed.OrderBy(n => n.Key, StringComparer.Ordinal))
        {
            var room = await grains.GetGrain<ISchedulerGrain>(pool).Room(tenant);
            if (count > room.Pool)
            {
                refusals.Add(string.Create(CultureInfo.InvariantCulture,
                    $"This upload has {count} jobs for pool '{pool}' and {room.Pool} would fit now: the pool has {room.Waiting} jobs waiting (queued or held) of its bound {room.Bound} (Turbo:Admission:MaxQueuedPerPool)."));
                retryAfter = room.RetryAfter > retryAfter ? room.RetryAfter : retryAfter;
            }
        }

        if (refusals.Count > 0)
        {
            throw new AdmissionRejectedException(AdmissionOutcome.QueueFull, retryAfter,
                string.Join(" ", refusals) + " None of its remaining jobs were submitted: send fewer lines, or the same upload with the same Idempotency-Key later.");
        }
    }

    private async Task NeedMissingAsync(IJobStore store, string partBatchId, List<string> pools)
    {
        var ids = Enumerable.Range(0, pools.Count).Select(i => JobIds.ForBatchItem(partBatchId, i)).ToList();
        var recorded = (await store.GetManyAsync(ids)).Select(j => j.JobId).ToHashSet(StringComparer.Ordinal);
        for (var i = 0; i < ids.Count; i++)
        {
            if (!recorded.Contains(ids[i]))
            {
                Need(pools[i]);
            }
        }

        pools.Clear();
    }
}
