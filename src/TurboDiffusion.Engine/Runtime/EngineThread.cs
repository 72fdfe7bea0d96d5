using System.Collections.Concurrent;

namespace TurboDiffusion.Engine.Runtime;

/// <summary>
/// One dedicated thread for an engine's work, one call at a time in the order given: model work never runs on the
/// thread pool (which serves grain turns and HTTP requests), and every call sees the same thread and so the same
/// device context.
/// </summary>
public sealed class EngineThread : IDisposable
{
    private readonly BlockingCollection<Action> work = [];
    private readonly Thread thread;

    public EngineThread(string name)
    {
        thread = new Thread(Run) { IsBackground = true, Name = name };
        thread.Start();
    }

    /// <summary>Runs <paramref name="call"/> on the engine thread; the returned task completes with its result or exception.</summary>
    /// <param name="cancellationToken">Cancels a call still waiting for the thread; a running call watches its own token.</param>
    public Task<T> RunAsync<T>(Func<T> call, CancellationToken cancellationToken = default)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        work.Add(() =>
        {
            if (cancellationToken.IsCancellationRequested)
            {
                done.SetCanceled(cancellationToken);
                return;
            }

            try
            {
                done.SetResult(call());
            }
            catch (OperationCanceledException e) when (e.CancellationToken == cancellationToken && cancellationToken.IsCancellationRequested)
            {
                done.SetCanceled(cancellationToken);
            }
            catch (Exception e)
            {
                // Handed to the awaiting caller, which classifies and reports it.
                done.SetException(e);
            }
        }, CancellationToken.None);
        return done.Task;
    }

    public void Dispose()
    {
        work.CompleteAdding();
        thread.Join(TimeSpan.FromSeconds(10));
        work.Dispose();
    }

    private void Run()
    {
        foreach (var item in work.GetConsumingEnumerable())
        {
            item();
        }
    }
}
