namespace TurboDiffusion.Gateway;

/// <summary>A batch id the farm has no record of, or one of another tenant (HTTP 404).</summary>
public sealed class BatchNotFoundException(string batchId)
    : KeyNotFoundException($"Batch {batchId} does not exist (never submitted, or its record expired).")
{
    public string BatchId { get; } = batchId;
}
