using TurboDiffusion.Engine;
using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Farm.Stores;

namespace TurboDiffusion.Silo.Worker;

/// <summary>
/// Which failures are the job's (bad input, a deterministic engine error: they spend its attempts) and which the
/// worker's (its machine: a missing tool, the encoder, a full disk, device memory, the artifact store).
/// </summary>
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
            MachineFaultException => AttemptOutcome.WorkerFault,
            IOException io when ScratchSpace.IsDiskFull(io) => AttemptOutcome.WorkerFault,
            // libtorch reports CUDA allocation failures as ordinary exceptions with this text.
            _ when error.Message.Contains("out of memory", StringComparison.OrdinalIgnoreCase) => AttemptOutcome.OutOfMemory,
            _ => AttemptOutcome.EngineError,
        };
    }

    /// <summary>
    /// Whether the failure may count against the worker (its bad-worker streak): an engine error may, unless the
    /// request itself was at fault (a model that does not exist, or whose files are bad).
    /// </summary>
    public static bool CountsAgainstWorker(Exception error) =>
        Classify(error) == AttemptOutcome.EngineError && error is not JobInputException;
}

