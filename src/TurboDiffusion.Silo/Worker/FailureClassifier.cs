using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Farm.Stores;

namespace TurboDiffusion.Silo.Worker;

/// <summary>Which failures are the job's (engine errors, consuming retries) and which the farm's (OOM, storage).</summary>
/// <remarks>Given the engine's own exception, or an <see cref="ArtifactStoreException"/> from the upload.</remarks>
public static class FailureClassifier
{
    public static AttemptOutcome Classify(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return error switch
        {
            OutOfMemoryException => AttemptOutcome.OutOfMemory,
            ArtifactStoreException => AttemptOutcome.StorageError,
            // libtorch reports CUDA allocation failures as ordinary exceptions with this text.
            _ when error.Message.Contains("out of memory", StringComparison.OrdinalIgnoreCase) => AttemptOutcome.OutOfMemory,
            _ => AttemptOutcome.EngineError,
        };
    }
}
