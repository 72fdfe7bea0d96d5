namespace TurboDiffusion.Silo.Worker;

/// <summary>The engine threw while rendering a job: the job's failure (or the GPU's, for out-of-memory), not the farm's.</summary>
public sealed class EngineFailedException(string jobId, Exception inner)
    : Exception($"The engine failed rendering job {jobId}: {inner.Message}", inner)
{
    public string JobId { get; } = jobId;
}
