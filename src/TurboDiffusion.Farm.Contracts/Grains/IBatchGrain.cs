namespace TurboDiffusion.Farm.Contracts;

/// <summary>A batch, keyed by batch id: submits its items (grouped by model) and summarizes them.</summary>
public interface IBatchGrain : IGrainWithStringKey
{
    Task<BatchSummary> Submit(BatchSpec spec);

    Task<BatchSummary> GetSummary();

    /// <summary>Cancels every item that has not finished.</summary>
    Task<BatchSummary> Cancel();
}
