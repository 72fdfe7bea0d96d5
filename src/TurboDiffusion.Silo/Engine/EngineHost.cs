using System.Collections.Immutable;
using TurboDiffusion.Engine.Pipelines;

namespace TurboDiffusion.Silo.Engine;

/// <summary>
/// The silo's warm engine and the thread every call to it runs on. The engine is built on that thread by the first
/// call, so a machine without libtorch or a device keeps the silo up and reports the problem through
/// <see cref="PreflightAsync"/> instead of failing the host.
/// </summary>
public sealed class EngineHost(Func<IVideoEngine> create) : IDisposable
{
    private readonly EngineThread thread = new("turbo-engine");
    private IVideoEngine? engine;

    public EngineStatus Status => Volatile.Read(ref engine)?.Status ?? new EngineStatus("engine not started", [], 0, 0);

    public ImmutableArray<string> LoadedModels => [.. Status.Models.Select(m => m.Model)];

    public long FreeBytes => Math.Max(0, Status.DeviceBytesTotal - Status.DeviceBytesInUse);

    /// <summary>Builds the engine if needed and runs its preflight; a failure to build it is the problem reported.</summary>
    public Task<IReadOnlyList<PreflightProblem>> PreflightAsync(PreflightRequest request, CancellationToken cancellationToken) =>
        thread.RunAsync(() =>
        {
            IVideoEngine started;
            try
            {
                started = Engine();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                IReadOnlyList<PreflightProblem> problems = [new PreflightProblem("engine", $"the engine could not start: {e.Message}", "run `turbo doctor` on this machine and follow its fixes (libtorch, CUDA driver, device).")];
                return Task.FromResult(problems);
            }

            return started.PreflightAsync(request, cancellationToken);
        });

    public Task LoadAsync(string model, CancellationToken cancellationToken) =>
        thread.RunAsync(() => Engine().LoadAsync(model, null, cancellationToken));

    public Task<VideoResult> GenerateAsync(VideoRequest request, IProgress<GenerationProgress> progress, CancellationToken cancellationToken) =>
        thread.RunAsync(() => Engine().GenerateAsync(request, progress, cancellationToken));

    public void Dispose()
    {
        thread.Dispose();
        engine?.Dispose();
    }

    /// <summary>Called on the engine thread only.</summary>
    private IVideoEngine Engine()
    {
        if (engine is null)
        {
            Volatile.Write(ref engine, create());
        }

        return engine;
    }
}
