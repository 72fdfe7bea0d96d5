using System.Collections.Concurrent;

namespace TurboDiffusion.Silo.Engine;

/// <summary>
/// One dedicated thread for engine calls: the GPU work never runs on the thread pool that serves grain turns,
/// and every call sees the same thread (and so the same device context).
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
    public Task<T> RunAsync<T>(Func<Task<T>> call)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        work.Add(() =>
        {
            try
            {
                done.SetResult(call().GetAwaiter().GetResult());
            }
            catch (Exception e)
            {
                // Handed to the awaiting caller, which classifies and reports it.
                done.SetException(e);
            }
        });
        return done.Task;
    }

    public Task RunAsync(Func<Task> call) => RunAsync(async () =>
    {
        await call();
        return true;
    });

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
