using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using TurboDiffusion.Engine;
using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Silo.Options;

namespace TurboDiffusion.Silo.Worker;

/// <summary>
/// The silo's GPU worker: pulls leases from its pool's scheduler and renders one job at a time on the engine thread.
/// With <see cref="WorkerOptions.OverlapUploads"/> it leases the next job as soon as the engine is done with the last,
/// while the last one's files upload: at most one job finishes so beside the one rendering, each with its own lease,
/// heartbeats, cancel and outcome.
/// Before its first lease, after a failure of its machine, and every <see cref="WorkerOptions.PreflightRetryInterval"/>
/// while unready, it runs a <see cref="WorkerPreflight"/>; while that finds problems it is unready and leases nothing.
/// A failure of its machine hands the job back without spending an attempt; <see cref="WorkerOptions.UnreadyAfterWorkerFaults"/>
/// of them in a row make it unready until a preflight passes.
/// On stop it drains: no new leases; a job whose steps are checkpointed (<see cref="WorkerOptions.CheckpointSteps"/>)
/// is stopped at its next step and handed back at once with that step saved; any other may finish within
/// <see cref="WorkerOptions.DrainGracePeriod"/>, else it is stopped at the next step and handed back without consuming a retry. A stop with no grace left (an
/// already-canceled token) abandons the job; its lease expires or the silo is declared dead and it is requeued.
/// Register it after UseOrleans so it stops before the silo does.
/// </summary>
internal sealed partial class GpuWorker(
    WorkerContext context,
    ILocalSiloDetails silo,
    ILogger<GpuWorker> logger) : BackgroundService, IHostedLifecycleService
{
    private readonly CancellationTokenSource drain = new();
    private readonly Lock drainGate = new();
    private Task? draining;
    private readonly FailureStreak streak = new(context.Options.Value.UnhealthyAfterFailures, context.Options.Value.UnhealthyAfterTenants);
    private readonly WorkerPreflight preflight = new(context);
    private readonly HashSet<string> metModels = new(StringComparer.Ordinal);
    private ActiveRun? current;
    private ActiveRun? finishing;
    private bool ready;
    private int workerFaults;
    private DateTimeOffset nextPreflight = DateTimeOffset.MinValue;
    private string? reportedProblems;

    private WorkerOptions Options => context.Options.Value;

    private string WorkerId => Options.Name ?? silo.Name;

    /// <summary>This worker's folder under Turbo:Worker:WorkDirectory: its own, so clearing it never touches another worker's attempt.</summary>
    private string Scratch => Path.Combine(Options.ResolveWorkDirectory(), WorkerId);

    /// <summary>The worker stopped leasing and holds no job: a drain that was asked for has finished.</summary>
    public bool Drained { get; private set; }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// The host calls this before it stops any service, so the drain runs while HTTP still serves: readiness answers
    /// 503 "draining", and metrics and event streams stay up until the job is finished or handed back.
    /// </summary>
    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        await using (cancellationToken.Register(() => StopAll(StopReason.Shutdown)))
        {
            await DrainAsync(cancellationToken);
        }
    }

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await using (cancellationToken.Register(() => StopAll(StopReason.Shutdown)))
        {
            await DrainAsync(cancellationToken);
        }

        await base.StopAsync(cancellationToken);
        await ReportAsync();
    }

    /// <summary>
    /// Stops leasing and lets the current job finish within <see cref="WorkerOptions.DrainGracePeriod"/>, else hands
    /// it back at its next step. Called by the host's stop (SIGTERM) or earlier by <c>POST /drain</c> (a pod's
    /// preStop hook); the first call drains, later ones wait for it.
    /// </summary>
    public Task DrainAsync(CancellationToken cancellationToken)
    {
        lock (drainGate)
        {
            return draining ??= DrainOnceAsync(cancellationToken);
        }
    }

    private async Task DrainOnceAsync(CancellationToken cancellationToken)
    {
        context.Status.Draining();
        await drain.CancelAsync();
        await Task.WhenAll(Active().Select(active => DrainAsync(active, cancellationToken)));
        Drained = true;
    }

    private async Task DrainAsync(ActiveRun active, CancellationToken cancellationToken)
    {
        var run = active.Run;
        if (cancellationToken.IsCancellationRequested)
        {
            run.Stop(StopReason.Shutdown);
        }
        else if (run.HandsBackAtOnce)
        {
            // Its steps are checkpointed: the next attempt goes on from the step it stops after, so waiting out the
            // grace would only delay the job.
            LogHandingBack(WorkerId, run.Lease.JobId);
            run.Stop(StopReason.Drain);
            await WhenEndedAsync(active);
        }
        else
        {
            LogDraining(WorkerId, run.Lease.JobId, Options.DrainGracePeriod);
            using var grace = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            grace.CancelAfter(Options.DrainGracePeriod);
            await using (grace.Token.Register(() => run.Stop(cancellationToken.IsCancellationRequested ? StopReason.Shutdown : StopReason.Drain)))
            {
                await WhenEndedAsync(active);
            }
        }
    }

    /// <summary>The runs this worker holds now: the one on the engine and the one finishing its upload.</summary>
    private IEnumerable<ActiveRun> Active() => new[] { Volatile.Read(ref current), Volatile.Read(ref finishing) }.OfType<ActiveRun>().Distinct();

    private void StopAll(StopReason reason)
    {
        foreach (var active in Active())
        {
            active.Run.Stop(reason);
        }
    }

    public override void Dispose()
    {
        drain.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, drain.Token);
        ClearScratch();

        // The first report says what the preflight found (device, encoder, or why not ready), not "starting".
        try
        {
            await EnsureReadyAsync(stop.Token);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return;
        }

        var reporting = ReportLoopAsync(stop.Token);
        var scheduler = context.Grains.GetGrain<ISchedulerGrain>(Options.Pool);
        var idle = Options.IdlePollInterval;
        while (!stop.IsCancellationRequested)
        {
            context.Status.Tick();
            if (Volatile.Read(ref finishing) is { Running.IsCompleted: true })
            {
                await FinishAsync();
            }

            if (context.Status.IsOut || !await EnsureReadyAsync(stop.Token))
            {
                await Delay(Options.MaxIdlePollInterval, stop.Token);
                continue;
            }

            JobLease? lease;
            try
            {
                // Models met in earlier leases are planned too, so a model this device cannot render is not offered twice.
                await context.Engine.PlanLimitsAsync(context.Engine.LoadedModels.Concat(Options.Preload).Concat(metModels), stop.Token);
                lease = await scheduler.LeaseNext(new LeaseRequest(
                    WorkerId, silo.SiloAddress.ToParsableString(), context.Engine.LoadedModels, context.Engine.FreeBytes, context.Engine.Limits));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogLeaseFailed(WorkerId, e);
                await Delay(Options.MaxIdlePollInterval, stop.Token);
                continue;
            }

            if (lease is null)
            {
                await Delay(idle, stop.Token);
                idle = TimeSpan.FromTicks(Math.Min(idle.Ticks * 2, Options.MaxIdlePollInterval.Ticks));
                continue;
            }

            idle = Options.IdlePollInterval;
            metModels.Add(lease.Spec.Model);
            await RunAsync(lease);
        }

        await FinishAsync();
        await reporting;
    }

    /// <summary>
    /// Runs a leased job until the engine is done with it (with <see cref="WorkerOptions.OverlapUploads"/>) or to its
    /// end, then lets it finish beside the next job once the one finishing before it has ended.
    /// </summary>
    private async Task RunAsync(JobLease lease)
    {
        var run = new JobRun(lease, Options.Pool, Scratch, context, streak);
        context.Status.Busy(lease.JobId);
        LogLeased(WorkerId, lease.JobId, lease.Attempt);
        var active = new ActiveRun(run, run.RunAsync());
        Volatile.Write(ref current, active);
        await (Options.OverlapUploads ? Task.WhenAny(active.Running, run.EngineDone) : active.Running);
        // Idle first: the outcome of the job finishing before this one may make the worker unready, which must stand.
        context.Status.Idle();
        await FinishAsync();
        Volatile.Write(ref finishing, active);
        Volatile.Write(ref current, null);
        if (active.Running.IsCompleted)
        {
            await FinishAsync();
        }
    }

    /// <summary>Waits for the run finishing its upload, if any, and counts its outcome against this machine.</summary>
    private async Task FinishAsync()
    {
        if (Volatile.Read(ref finishing) is not { } active)
        {
            return;
        }

        await active.Running;
        Volatile.Write(ref finishing, null);
        active.Run.Dispose();
        if (active.Run.WorkerFault is { } fault)
        {
            MachineFailed(fault);
        }
        else
        {
            workerFaults = 0;
        }
    }

    /// <summary>
    /// A failure of this machine: check it again before the next lease, at once, or after the retry interval once
    /// failures in a row say a passing preflight does not see what breaks.
    /// </summary>
    private void MachineFailed(string fault)
    {
        ready = false;
        workerFaults++;
        if (workerFaults < Options.UnreadyAfterWorkerFaults)
        {
            nextPreflight = DateTimeOffset.MinValue;
            return;
        }

        var reason = $"{workerFaults} jobs in a row failed on this worker's machine (Turbo:Worker:UnreadyAfterWorkerFaults is {Options.UnreadyAfterWorkerFaults}); the last: {fault}";
        context.Status.Unready(reason);
        LogUnready(WorkerId, reason);
        reportedProblems = reason;
        nextPreflight = context.Time.GetUtcNow() + Options.PreflightRetryInterval;
    }

    /// <summary>True when the last preflight passed and the preloads are resident; runs the preflight when it is due.</summary>
    private async Task<bool> EnsureReadyAsync(CancellationToken stop)
    {
        if (ready || context.Time.GetUtcNow() < nextPreflight)
        {
            return ready;
        }

        var problems = await preflight.RunAsync(stop);
        if (problems.Count == 0)
        {
            problems = await PreloadAsync(stop);
        }

        if (problems.Count > 0)
        {
            var reason = PreflightProblem.Describe(problems);
            context.Status.Unready(reason);
            if (reason != reportedProblems)
            {
                LogUnready(WorkerId, reason);
                reportedProblems = reason;
            }

            nextPreflight = context.Time.GetUtcNow() + Options.PreflightRetryInterval;
            return false;
        }

        if (reportedProblems is not null)
        {
            LogReady(WorkerId);
            reportedProblems = null;
        }

        ready = true;
        context.Status.Ready();
        return true;
    }

    /// <summary>Loads the models of Turbo:Worker:Preload that are not resident; a model that does not load is the machine's problem.</summary>
    private async Task<IReadOnlyList<PreflightProblem>> PreloadAsync(CancellationToken stop)
    {
        foreach (var model in Options.Preload.Where(m => !context.Engine.LoadedModels.Contains(m)))
        {
            context.Status.Loading();
            LogPreloading(WorkerId, model);
            try
            {
                await context.Engine.LoadAsync(model, stop);
            }
            catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
            {
                return [new PreflightProblem("preload", $"model {model} did not load: {e.Message}", "check the model files and the device's free memory (turbo doctor), or remove it from Turbo:Worker:Preload.")];
            }
        }

        return [];
    }

    /// <summary>Removes what attempts of an earlier process left behind: one killed mid-render never cleaned up.</summary>
    private void ClearScratch()
    {
        if (!Directory.Exists(Scratch))
        {
            return;
        }

        try
        {
            var left = Directory.GetDirectories(Scratch).Length;
            Directory.Delete(Scratch, recursive: true);
            if (left > 0)
            {
                LogScratchCleared(WorkerId, left, Scratch);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogScratchNotCleared(WorkerId, Scratch, e);
        }
    }

    private static async Task WhenEndedAsync(ActiveRun active)
    {
        try
        {
            await active.Running;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The worker's loop sees how it ended; the drain only waits for the end.
        }
    }

    private async Task ReportLoopAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(Options.ReportInterval, context.Time);
        try
        {
            do
            {
                await ReportAsync();
            }
            while (await timer.WaitForNextTickAsync(stop));
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            LogReportingStopped(WorkerId);
        }
    }

    private async Task ReportAsync()
    {
        var engine = context.Engine.Status;
        var info = new WorkerInfo(WorkerId, silo.SiloAddress.ToParsableString(), Options.Pool, engine.Device, engine.DeviceBytesTotal, engine.DeviceBytesInUse,
            context.Engine.LoadedModels, context.Status.State, context.Status.CurrentJobId, context.Time.GetUtcNow(), context.Status.Reason, engine.Encoder);
        try
        {
            await context.Grains.GetGrain<IWorkerRegistryGrain>(Options.Pool).Report(info);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The registry is a view for operators; a missed report only delays it.
            LogReportFailed(WorkerId, e);
        }
    }

    private async Task Delay(TimeSpan delay, CancellationToken stop)
    {
        try
        {
            await Task.Delay(delay, context.Time, stop);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            LogPollInterrupted(WorkerId);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Worker {WorkerId} removed the folders of {Count} attempts an earlier process left in {Folder}")]
    private partial void LogScratchCleared(string workerId, int count, string folder);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Worker {WorkerId} could not clear {Folder}")]
    private partial void LogScratchNotCleared(string workerId, string folder, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Worker {WorkerId} leased job {JobId} (attempt {Attempt})")]
    private partial void LogLeased(string workerId, string jobId, int attempt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Worker {WorkerId} draining: job {JobId} is handed back at its next step, which its step checkpoint keeps")]
    private partial void LogHandingBack(string workerId, string jobId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Worker {WorkerId} draining: job {JobId} may finish within {Grace}")]
    private partial void LogDraining(string workerId, string jobId, TimeSpan grace);

    [LoggerMessage(Level = LogLevel.Error, Message = "Worker {WorkerId} is unready and leases nothing until its preflight passes: {Reason}")]
    private partial void LogUnready(string workerId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Worker {WorkerId} passed its preflight and is ready for jobs")]
    private partial void LogReady(string workerId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Worker {WorkerId} preloading model {Model}")]
    private partial void LogPreloading(string workerId, string model);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Worker {WorkerId}: asking for a lease failed; retrying")]
    private partial void LogLeaseFailed(string workerId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Worker {WorkerId}: reporting to the registry failed")]
    private partial void LogReportFailed(string workerId, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Worker {WorkerId}: registry reports stopped")]
    private partial void LogReportingStopped(string workerId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Worker {WorkerId}: idle wait interrupted by stop")]
    private partial void LogPollInterrupted(string workerId);

    /// <summary>A job this worker holds, and the task that ends when its run does.</summary>
    private sealed record ActiveRun(JobRun Run, Task Running);
}
