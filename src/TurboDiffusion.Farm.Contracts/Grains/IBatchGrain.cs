using System.Collections.Immutable;

namespace TurboDiffusion.Farm.Contracts;

/// <summary>A batch, keyed by batch id: submits its items (grouped by model) and summarizes them.</summary>
public interface IBatchGrain : IGrainWithStringKey
{
    Task<BatchSummary> Submit(BatchSpec spec);

    Task<BatchSummary> GetSummary();

    /// <summary>
    /// Records this batch as the union of already submitted part batches (in order), for uploads too large to submit
    /// in one call. Repeating it with the same parts answers the same batch; different parts are an idempotency conflict.
    /// </summary>
    Task<BatchSummary> Combine(string tenant, ImmutableArray<string> partBatchIds);

    /// <summary>Cancels every item that has not finished.</summary>
    Task<BatchSummary> Cancel();

    /// <summary>
    /// Up to <paramref name="count"/> item job ids from <paramref name="offset"/> in upload order, with the batch's
    /// tenant and size: a page of a large batch without reading its whole record.
    /// </summary>
    /// <exception cref="KeyNotFoundException">The batch does not exist.</exception>
    Task<BatchJobSlice> GetJobIds(int offset, int count);
}
