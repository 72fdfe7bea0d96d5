using TurboDiffusion.Engine;
using TurboDiffusion.Farm.Stores;

namespace TurboDiffusion.Silo.Worker;

/// <summary>
/// Everything a worker needs before it leases a job: scratch space with room for one video, the engine (libtorch, the
/// device, the encoder, the files of the models it preloads) and the artifact store it will upload to.
/// </summary>
internal sealed class WorkerPreflight(WorkerContext context)
{
    /// <summary>The problems found, none when the worker is ready; a check that does not answer in time is a problem too.</summary>
    public async Task<IReadOnlyList<PreflightProblem>> RunAsync(CancellationToken cancellationToken)
    {
        var options = context.Options.Value;
        var scratch = options.ResolveWorkDirectory();
        var problems = new List<PreflightProblem>(ScratchSpace.Check(scratch, options.MinFreeScratchBytes));
        problems.AddRange(await Timed("engine", () => context.Engine.PreflightAsync(new PreflightRequest(options.Preload, scratch), cancellationToken), cancellationToken));
        problems.AddRange(await Timed("artifact store", async () => await ArtifactStoreAsync(cancellationToken), cancellationToken));
        return problems;

        // A check left behind by the timeout finishes on its own; its answer is no longer needed.
        async Task<IReadOnlyList<PreflightProblem>> Timed(string check, Func<Task<IReadOnlyList<PreflightProblem>>> run, CancellationToken stop)
        {
            var work = run();
            var finished = await Task.WhenAny(work, Task.Delay(options.PreflightTimeout, context.Time, stop));
            return finished == work
                ? await work
                : [new PreflightProblem(check, $"the check did not finish within {options.PreflightTimeout.TotalSeconds:0.#} s.", "look at the worker's log for what it waits on; Turbo:Worker:PreflightTimeout sets the limit.")];
        }
    }

    private async Task<IReadOnlyList<PreflightProblem>> ArtifactStoreAsync(CancellationToken cancellationToken)
    {
        try
        {
            await context.Artifacts.CheckAsync(cancellationToken);
            return [];
        }
        catch (ArtifactStoreException e)
        {
            return [new PreflightProblem("artifact store", e.Message, "check Turbo:Blob:ConnectionString (or Turbo:Artifacts:Directory) and that the store is up and reachable from this machine.")];
        }
    }
}
