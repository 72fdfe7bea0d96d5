using Microsoft.Extensions.Logging;
using TurboDiffusion.Engine;
using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Farm.Stores;

namespace TurboDiffusion.Silo.Worker;

/// <summary>
/// Writes one attempt's step checkpoints to the artifact store off the engine thread. <see cref="Offer"/> only takes
/// the engine's host copy and returns; one write runs at a time, and a checkpoint offered while one is written replaces
/// any older one still waiting, so a slow store costs skipped steps, never a delayed step or a growing backlog (at
/// most one checkpoint written and one waiting are held). A write the store refuses as fenced out (a later attempt
/// claimed the job) ends the saving and calls <paramref name="fencedOut"/>; other store failures are logged and the
/// next step is tried again: a checkpoint saves work, it never decides an outcome.
/// </summary>
internal sealed partial class StepCheckpointWriter(IArtifactStore store, JobLease lease, string renderKey, Action fencedOut, ILogger logger) : IAsyncDisposable
{
    private readonly Lock gate = new();
    private readonly CancellationTokenSource abandon = new();
    private DenoiseCheckpoint? waiting;
    private Task writing = Task.CompletedTask;
    private bool running;
    private bool closed;
    private int written;
    private int lastStepsDone;

    /// <summary>Checkpoints stored so far.</summary>
    public int Written => Volatile.Read(ref written);

    /// <summary>The steps done of the last checkpoint stored; 0 before the first.</summary>
    public int LastStepsDone => Volatile.Read(ref lastStepsDone);

    /// <summary>Called on the engine thread after each step: queues the checkpoint and returns at once.</summary>
    public void Offer(DenoiseCheckpoint checkpoint)
    {
        lock (gate)
        {
            if (closed)
            {
                return;
            }

            waiting = checkpoint;
            if (!running)
            {
                running = true;
                writing = Task.Run(WriteWaitingAsync);
            }
        }
    }

    /// <summary>Waits until every checkpoint offered so far is stored or dropped.</summary>
    public Task FlushAsync()
    {
        lock (gate)
        {
            return writing;
        }
    }

    /// <summary>Stops saving: a write under way is cancelled, nothing waiting is written.</summary>
    public async ValueTask DisposeAsync()
    {
        Task last;
        lock (gate)
        {
            closed = true;
            waiting = null;
            last = writing;
        }

        await abandon.CancelAsync();
        await last;
        abandon.Dispose();
    }

    private async Task WriteWaitingAsync()
    {
        while (true)
        {
            DenoiseCheckpoint next;
            lock (gate)
            {
                if (waiting is null || closed)
                {
                    running = false;
                    return;
                }

                next = waiting;
                waiting = null;
            }

            await WriteAsync(next);
        }
    }

    private async Task WriteAsync(DenoiseCheckpoint checkpoint)
    {
        try
        {
            await store.SaveStepCheckpointAsync(lease.Spec.Tenant, lease.JobId, lease.Attempt, StepCheckpointFile.Write(renderKey, checkpoint), abandon.Token);
            Interlocked.Increment(ref written);
            Volatile.Write(ref lastStepsDone, checkpoint.StepsDone);
        }
        catch (StaleCheckpointException e)
        {
            lock (gate)
            {
                closed = true;
                waiting = null;
            }

            LogFencedOut(lease.JobId, e.Message);
            fencedOut();
        }
        catch (OperationCanceledException) when (abandon.IsCancellationRequested)
        {
            LogAbandoned(lease.JobId, checkpoint.StepsDone);
        }
        catch (ArtifactStoreException e)
        {
            LogWriteFailed(lease.JobId, checkpoint.StepsDone, e);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: step checkpoints stop, this attempt is fenced out: {Detail}")]
    private partial void LogFencedOut(string jobId, string detail);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Job {JobId}: the checkpoint of step {StepsDone} was abandoned as the attempt ended")]
    private partial void LogAbandoned(string jobId, int stepsDone);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: saving the checkpoint of step {StepsDone} failed; the next step's is tried")]
    private partial void LogWriteFailed(string jobId, int stepsDone, Exception exception);
}
