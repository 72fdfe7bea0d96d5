using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using TurboDiffusion.Engine;
using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Farm.Metrics;
using TurboDiffusion.Farm.Progress;

namespace TurboDiffusion.Silo.Worker;

/// <summary>
/// Takes the engine's progress on the engine thread without blocking it: every event goes to the job's progress log,
/// a coarse copy to the job grain on stage changes and every report interval (whose answer may say "canceled" or
/// "lease lost"), and each sampler step's wall time to the step histogram.
/// </summary>
internal sealed partial class ProgressRelay : IProgress<GenerationProgress>, IAsyncDisposable
{
    private readonly Channel<JobProgress> events = Channel.CreateBounded<JobProgress>(new BoundedChannelOptions(1024) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
    private readonly JobLease lease;
    private readonly IJobGrain job;
    private readonly IProgressLog log;
    private readonly FarmMetrics metrics;
    private readonly TimeSpan reportInterval;
    private readonly Action<LeaseStatus> onStatus;
    private readonly ILogger logger;
    private readonly Task pump;
    private readonly Stopwatch step = new();

    public ProgressRelay(JobLease lease, IJobGrain job, IProgressLog log, FarmMetrics metrics, TimeSpan reportInterval, Action<LeaseStatus> onStatus, ILogger logger)
    {
        this.lease = lease;
        this.job = job;
        this.log = log;
        this.metrics = metrics;
        this.reportInterval = reportInterval;
        this.onStatus = onStatus;
        this.logger = logger;
        pump = Task.Run(PumpAsync);
    }

    public void Report(GenerationProgress value)
    {
        ArgumentNullException.ThrowIfNull(value);
        // A step's time is measured from the previous event, so the first step counts from the end of text encoding.
        if (value.Stage == GenerationStage.Denoising && value.Done > 0 && step.IsRunning)
        {
            metrics.StepTime.WithLabels(lease.Spec.Model).Observe(step.Elapsed.TotalSeconds);
        }

        step.Restart();

        events.Writer.TryWrite(new JobProgress(VideoRequestMapper.Stage(value.Stage), value.Done, value.Total, value.Elapsed));
    }

    /// <summary>Reports a stage the engine does not know (the upload).</summary>
    public void Report(JobProgress progress) => events.Writer.TryWrite(progress);

    public async ValueTask DisposeAsync()
    {
        events.Writer.TryComplete();
        await pump;
    }

    private async Task PumpAsync()
    {
        JobStage? lastStage = null;
        var lastReport = Stopwatch.StartNew();
        await foreach (var progress in events.Reader.ReadAllAsync())
        {
            try
            {
                await log.AppendAsync(lease.JobId, progress);
                if (progress.Stage != lastStage || lastReport.Elapsed >= reportInterval)
                {
                    lastStage = progress.Stage;
                    lastReport.Restart();
                    onStatus(await job.ReportProgress(lease.Token, progress));
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Progress is advisory: a failed report must not fail the render; heartbeats carry the lease.
                LogProgressFailed(lease.JobId, e);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: publishing progress failed")]
    private partial void LogProgressFailed(string jobId, Exception exception);
}
