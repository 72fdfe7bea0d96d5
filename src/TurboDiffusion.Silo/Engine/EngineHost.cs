using System.Collections.Concurrent;
using System.Collections.Immutable;
using TurboDiffusion.Engine;
using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Silo.Worker;

namespace TurboDiffusion.Silo.Engine;

/// <summary>
/// The silo's warm engine, built by the first call rather than with the host, so a machine without libtorch or a
/// device keeps the silo up and reports the problem through <see cref="PreflightAsync"/> instead of failing to start.
/// The engine runs its own work on its own thread; calls reach it one at a time from the worker loop.
/// </summary>
public sealed class EngineHost(Func<IVideoEngine> create) : IDisposable
{
    private readonly Lock gate = new();
    private readonly ConcurrentDictionary<string, ServingLimit> limits = new(StringComparer.Ordinal);
    private IVideoEngine? engine;

    public EngineStatus Status => Volatile.Read(ref engine)?.Status ?? new EngineStatus("engine not started", [], 0, 0);

    public ImmutableArray<string> LoadedModels => [.. Status.Models.Select(m => m.Model)];

    public long FreeBytes => Math.Max(0, Status.DeviceBytesTotal - Status.DeviceBytesInUse);

    /// <summary>What the device can render of each model planned so far (<see cref="PlanLimitsAsync"/>), for the scheduler.</summary>
    public ImmutableArray<ServingLimit> Limits => [.. limits.Values];

    /// <summary>
    /// Plans the models not planned yet: the resolutions the engine's device can render of each. A model the engine cannot
    /// plan (its files are missing) is left out, so its jobs are offered and fail on their own; the device does not change,
    /// so each model is planned once.
    /// </summary>
    public async Task PlanLimitsAsync(IEnumerable<string> models, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(models);
        foreach (var model in models.Where(m => !limits.ContainsKey(m)).Distinct(StringComparer.Ordinal).ToList())
        {
            try
            {
                var servable = await Engine().ServableResolutionsAsync(model, cancellationToken).ConfigureAwait(false);
                limits[model] = new ServingLimit(model, [.. servable.Select(VideoRequestMapper.FarmResolution)]);
            }
            catch (Exception e) when (e is JobInputException or IOException)
            {
                // Unplannable here: the job that names it fails with the engine's own message instead.
            }
        }
    }

    /// <summary>Builds the engine if needed and runs its preflight; a failure to build it is the problem reported.</summary>
    public Task<IReadOnlyList<PreflightProblem>> PreflightAsync(PreflightRequest request, CancellationToken cancellationToken)
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
    }

    public Task LoadAsync(string model, CancellationToken cancellationToken) => Engine().LoadAsync(model, null, cancellationToken);

    public Task<RenderIdentity?> IdentifyAsync(string model, CancellationToken cancellationToken) => Engine().IdentifyAsync(model, cancellationToken);

    /// <summary>Starts a render; see <see cref="IVideoEngine.Start"/> for when the engine can take the next.</summary>
    public RenderInFlight Start(VideoRequest request, RenderCheckpoints? checkpoints, IProgress<GenerationProgress> progress, CancellationToken cancellationToken) =>
        Engine().Start(request, checkpoints, progress, cancellationToken);

    public void Dispose() => engine?.Dispose();

    private IVideoEngine Engine()
    {
        lock (gate)
        {
            if (engine is null)
            {
                Volatile.Write(ref engine, create());
            }

            return engine;
        }
    }
}
