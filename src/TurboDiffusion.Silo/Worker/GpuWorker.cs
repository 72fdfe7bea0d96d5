using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Silo.Options;

namespace TurboDiffusion.Silo.Worker;

/// <summary>
/// The silo's GPU worker: pulls leases from its pool's scheduler and runs one job at a time on the engine thread.
/// On stop it drains: no new leases; the current job may finish within <see cref="WorkerOptions.DrainGracePeriod"/>,
/// else it is stopped at the next step and handed back without consuming a retry. A stop with no grace left (an
/// already-canceled token) abandons the job; its lease expires or the silo is declared dead and it is requeued.
/// Register it after UseOrleans so it stops before the silo does.
/// </summary>
internal sealed partial class GpuWorker(
    WorkerContext context,
    ILocalSiloDetails silo,
    ILogger<GpuWorker> logger) : BackgroundService
{
    private readonly CancellationTokenSource drain = new();
    private readonly FailureStreak streak = new(context.Options.Value.UnhealthyAfterFailures, context.Options.Value.UnhealthyAfterTenants);
    private JobRun? current;

    private WorkerOptions Options => context.Options.Value;

    private string WorkerId => Options.WorkerId ?? silo.Name;

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        context.Status.Draining();
        await drain.CancelAsync();
        if (Volatile.Read(ref current) is { } run)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                run.Stop(StopReason.Shutdown);
            }
            else
            {
                LogDraining(WorkerId, run.Lease.JobId, Options.DrainGracePeriod);
                using var grace = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                grace.CancelAfter(Options.DrainGracePeriod);
                await using (grace.Token.Register(() => run.Stop(cancellationToken.IsCancellationRequested ? StopReason.Shutdown : StopReason.Drain)))
                {
                    await WhenIdleAsync(run);
                }
            }
        }

        await base.StopAsync(cancellationToken);
        await ReportAsync();
    }

    public override void Dispose()
    {
        drain.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, drain.Token);
        await PreloadAsync(stop.Token);
        var reporting = ReportLoopAsync(stop.Token);
        var scheduler = context.Grains.GetGrain<ISchedulerGrain>(Options.Pool);
        var idle = Options.IdlePollInterval;
        while (!stop.IsCancellationRequested)
        {
            context.Status.Tick();
            if (context.Status.IsOut)
            {
                await Delay(Options.MaxIdlePollInterval, stop.Token);
                continue;
            }

            JobLease? lease;
            try
            {
                lease = await scheduler.LeaseNext(new LeaseRequest(WorkerId, silo.SiloAddress.ToParsableString(), context.Engine.LoadedModels, context.Engine.FreeBytes));
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
            await RunAsync(lease);
        }

        await reporting;
    }

    private async Task RunAsync(JobLease lease)
    {
        using var run = new JobRun(lease, Options.Pool, context, streak);
        Volatile.Write(ref current, run);
        context.Status.Busy(lease.JobId);
        LogLeased(WorkerId, lease.JobId, lease.Attempt);
        try
        {
            await run.RunAsync();
        }
        finally
        {
            Volatile.Write(ref current, null);
            context.Status.Idle();
        }
    }

    private async Task PreloadAsync(CancellationToken stop)
    {
        context.Status.Loading();
        foreach (var model in Options.Preload)
        {
            LogPreloading(WorkerId, model);
            await context.Engine.LoadAsync(model, stop);
        }

        context.Status.Idle();
    }

    private async Task WhenIdleAsync(JobRun run)
    {
        while (ReferenceEquals(Volatile.Read(ref current), run))
        {
            await Task.Delay(TimeSpan.FromMilliseconds(20), CancellationToken.None);
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
            context.Engine.LoadedModels, context.Status.State, context.Status.CurrentJobId, context.Time.GetUtcNow(), context.Status.UnhealthyReason);
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Worker {WorkerId} leased job {JobId} (attempt {Attempt})")]
    private partial void LogLeased(string workerId, string jobId, int attempt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Worker {WorkerId} draining: job {JobId} may finish within {Grace}")]
    private partial void LogDraining(string workerId, string jobId, TimeSpan grace);

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
}
