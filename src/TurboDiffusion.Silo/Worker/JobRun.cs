using Microsoft.Extensions.Logging;
using TurboDiffusion.Engine;
using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Farm.Stores;

namespace TurboDiffusion.Silo.Worker;

/// <summary>Why a run was stopped before it finished.</summary>
internal enum StopReason
{
    None,

    /// <summary>The client canceled the job: confirm it as canceled.</summary>
    CancelRequested,

    /// <summary>The lease is gone: another worker may hold the job; report nothing.</summary>
    LeaseLost,

    /// <summary>The silo is draining and the grace period ran out: hand the job back (no retry consumed).</summary>
    Drain,

    /// <summary>The host is going down with no grace: abandon; the lease expires or the silo is declared dead.</summary>
    Shutdown,
}

/// <summary>
/// One leased job on this worker: start, render on the engine thread while heartbeating the lease, upload, and
/// complete with the lease token, or report the failure for the job grain to requeue or fail. A job that may dedupe
/// is first looked up by its <see cref="RenderKey"/>, computed here because only the worker knows both the request and
/// its engine's identity; a finished identical render is copied into this attempt's folder instead of rendered. Its files live in
/// <paramref name="scratch"/>/job id/attempt and are removed when the attempt ends, whatever the outcome.
/// </summary>
/// <param name="scratch">The worker's own folder under Turbo:Worker:WorkDirectory.</param>
internal sealed partial class JobRun(JobLease lease, string pool, string scratch, WorkerContext context, FailureStreak streak) : IDisposable
{
    private readonly CancellationTokenSource abort = new();
    private readonly ILogger logger = context.Loggers.CreateLogger<JobRun>();
    private int stopReason;
    private bool uploadBegun;

    public JobLease Lease => lease;

    /// <summary>After <see cref="RunAsync"/>: why the worker's machine failed this attempt, when it did (the job was handed back).</summary>
    public string? WorkerFault { get; private set; }

    private StopReason Reason => (StopReason)Volatile.Read(ref stopReason);

    private IJobGrain Job => context.Grains.GetGrain<IJobGrain>(lease.JobId);

    /// <summary>Stops the run at the engine's next step; the first reason given wins.</summary>
    public void Stop(StopReason reason)
    {
        Interlocked.CompareExchange(ref stopReason, (int)reason, (int)StopReason.None);
        try
        {
            abort.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // A drain or shutdown timer fired as the run ended: there is nothing left to stop, and throwing here
            // would end the process from the timer's thread.
        }
    }

    public async Task RunAsync()
    {
        var jobFolder = Path.Combine(scratch, lease.JobId);
        var output = Path.Combine(jobFolder, ArtifactNames.AttemptFolder(lease.Token));
        using var heartbeats = new CancellationTokenSource();
        var heartbeat = HeartbeatAsync(heartbeats.Token);
        try
        {
            await Job.Start(lease.Token);
            var key = await RenderKeyAsync(output);
            var artifact = (key is null ? null : await ReuseAsync(key)) ?? await RenderAndUploadAsync(output, key);
            if (await CommitAsync(artifact) && artifact.ReusedFrom is not null)
            {
                context.Metrics.DedupeHits.WithLabels(pool).Inc();
                context.Metrics.DedupeSaved.WithLabels(pool).Inc(artifact.RenderSeconds);
            }

            streak.Succeeded();
        }
        catch (Exception e) when ((e is OperationCanceledException && abort.IsCancellationRequested) || Reason != StopReason.None)
        {
            // Whatever the engine or the store threw while a stop was under way, the stop decides what happens.
            await StoppedAsync();
        }
        catch (LeaseExpiredException e)
        {
            LogLeaseLost(lease.JobId, e.Message);
            await DiscardUploadAsync();
        }
        catch (EngineFailedException e)
        {
            await FailedAsync(e.InnerException!);
        }
        catch (ArtifactStoreException e)
        {
            await FailedAsync(e);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The farm itself failed (a grain call timed out, the silo is going down): the job's lease expires and
            // the job is requeued without consuming a retry, which is all this worker could report anyway.
            LogAbandoned(lease.JobId, e);
            await DiscardUploadAsync();
        }
        finally
        {
            await heartbeats.CancelAsync();
            await heartbeat;
            DeleteQuietly(jobFolder);
        }
    }

    public void Dispose() => abort.Dispose();

    /// <summary>
    /// The job's render key; null when it does not dedupe (it opted out or gave no seed), or when the key cannot be
    /// known: the engine cannot identify its renders, or the model or image cannot be read (the render then reports that).
    /// </summary>
    private async Task<string?> RenderKeyAsync(string output)
    {
        if (!lease.Spec.Dedupe)
        {
            return null;
        }

        try
        {
            if (await context.Engine.IdentifyAsync(lease.Spec.Model, abort.Token) is not { } identity)
            {
                return null;
            }

            var image = VideoRequestMapper.Map(lease.Spec, Path.Combine(output, ArtifactNames.Video)).ImagePath;
            return RenderKey.Of(lease.Spec, identity, image is null ? null : await DigestAsync(image));
        }
        catch (Exception e) when (e is JobInputException or IOException or UnauthorizedAccessException)
        {
            LogNoRenderKey(lease.JobId, e.Message);
            return null;
        }
    }

    private async Task<string> DigestAsync(string path)
    {
        await using var image = File.OpenRead(path);
        return Convert.ToHexStringLower(await System.Security.Cryptography.SHA256.HashDataAsync(image, abort.Token));
    }

    /// <summary>
    /// The artifact of a finished identical render, copied into this attempt's folder; null when there is none, or its
    /// files are gone, or the lookup failed (the job is rendered then: reuse saves work, it never decides an outcome).
    /// </summary>
    private async Task<ArtifactRef?> ReuseAsync(string key)
    {
        JobState? found;
        try
        {
            found = await Job.FindRender(lease.Token, key);
        }
        catch (Exception e) when (e is not (LeaseExpiredException or OperationCanceledException or OutOfMemoryException))
        {
            LogLookupFailed(lease.JobId, e);
            return null;
        }

        if (found?.Artifact is not { } source)
        {
            return null;
        }

        // The copy lands in this attempt's folder: a stop or failure from here on removes it like an upload.
        uploadBegun = true;
        if (await context.Artifacts.CopyAsync(source, lease.Spec.Tenant, lease.JobId, lease.Token, abort.Token) is not { } copy)
        {
            LogReusedGone(lease.JobId, found.JobId);
            await DiscardUploadAsync();
            uploadBegun = false;
            return null;
        }

        await Job.BeginUpload(lease.Token);
        context.Metrics.UploadBytes.Inc(copy.Bytes);
        LogReused(lease.JobId, found.JobId);
        return copy with { ContentKey = key, ReusedFrom = found.JobId, RenderSeconds = source.RenderSeconds };
    }

    private async Task<ArtifactRef> RenderAndUploadAsync(string output, string? key)
    {
        var options = context.Options.Value;
        Directory.CreateDirectory(output);
        var before = context.Engine.LoadedModels;
        await using var relay = new ProgressRelay(lease, Job, context.Progress, context.Metrics, options.ProgressReportInterval, OnLeaseStatus, logger);
        var request = VideoRequestMapper.Map(lease.Spec, Path.Combine(output, ArtifactNames.Video));
        VideoResult result;
        try
        {
            result = await context.Engine.GenerateAsync(request, relay, abort.Token);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new EngineFailedException(lease.JobId, e);
        }

        RecordEngineMetrics(result, before);

        await Job.BeginUpload(lease.Token);
        relay.Report(new JobProgress(JobStage.Uploading, 0, 1, TimeSpan.Zero));
        uploadBegun = true;
        var artifact = await context.Artifacts.UploadAsync(
            new ArtifactUpload(lease.Spec.Tenant, lease.JobId, lease.Token, result.VideoPath, result.SidecarPath, result.FramesDirectory),
            abort.Token);
        context.Metrics.UploadBytes.Inc(artifact.Bytes);

        // Model loading is left out: a reuse saves the render, whatever was resident.
        var renderSeconds = result.StageTimings.Where(t => t.Key != GenerationStage.LoadingModel).Sum(t => t.Value.TotalSeconds);
        return artifact with { ContentKey = key, RenderSeconds = renderSeconds };
    }

    /// <summary>Commits the artifact; false when another attempt owns the job now (this attempt's files are gone then).</summary>
    private async Task<bool> CommitAsync(ArtifactRef artifact)
    {
        try
        {
            await Job.Complete(lease.Token, artifact);
        }
        catch (LeaseExpiredException e)
        {
            // Another attempt owns the job now: this attempt's files must not survive beside the winner's.
            LogLeaseLost(lease.JobId, e.Message);
            await DiscardUploadAsync();
            return false;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The call failed on the way (a silo died, a timeout): the job may have been committed with these files.
            // Keep them; if it was not, the attempt that commits removes them when it seals the job.
            uploadBegun = false;
            LogCommitUnknown(lease.JobId, e);
            throw;
        }

        // Committed: from here on these files are the job's artifact and must never be discarded.
        uploadBegun = false;
        LogSucceeded(lease.JobId, lease.Attempt);
        try
        {
            await context.Artifacts.SealAsync(artifact);
        }
        catch (ArtifactStoreException e)
        {
            // Leftover folders of lost attempts stay until the next seal of this job; the job itself is done.
            LogSealFailed(lease.JobId, e);
        }

        return true;
    }

    private async Task StoppedAsync()
    {
        var reason = Reason;
        LogStopped(lease.JobId, reason);
        if (reason != StopReason.Shutdown)
        {
            await DiscardUploadAsync();
        }

        switch (reason)
        {
            case StopReason.CancelRequested:
                await ReportAsync(AttemptOutcome.Canceled, "canceled while running");
                break;
            case StopReason.Drain:
                await ReportAsync(AttemptOutcome.Drained, "the worker drained (shutdown or scale-in) before the job finished and handed it back");
                break;
            case StopReason.LeaseLost:
            case StopReason.Shutdown:
            case StopReason.None:
                break;
        }
    }

    private async Task FailedAsync(Exception error)
    {
        var outcome = FailureClassifier.Classify(error);
        LogFailed(lease.JobId, outcome, error);
        await DiscardUploadAsync();
        var detail = error is MachineFaultException fault ? fault.Describe() : $"{error.GetType().Name}: {error.Message}";
        await ReportAsync(outcome, detail);
        if (outcome.BlamesWorker())
        {
            WorkerFault = detail;
        }
        else if (FailureClassifier.CountsAgainstWorker(error) && streak.Failed(lease.Spec.Tenant))
        {
            context.Status.Unhealthy(streak.Describe());
            LogUnhealthy(streak.Describe());
        }
    }

    private async Task ReportAsync(AttemptOutcome outcome, string detail)
    {
        try
        {
            await Job.Fail(lease.Token, outcome, detail);
        }
        catch (LeaseExpiredException e)
        {
            LogLeaseLost(lease.JobId, e.Message);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Unreported, the attempt still ends: its lease expires and the scheduler takes the job back.
            LogReportFailed(lease.JobId, outcome, e);
        }
    }

    /// <summary>Removes whatever this attempt uploaded: a stopped, failed or refused attempt leaves no files behind.</summary>
    private async Task DiscardUploadAsync()
    {
        if (!uploadBegun)
        {
            return;
        }

        try
        {
            await context.Artifacts.DiscardAsync(lease.Spec.Tenant, lease.JobId, lease.Token);
        }
        catch (ArtifactStoreException e)
        {
            // The winner's seal removes this folder later; the job's outcome does not depend on it.
            LogDiscardFailed(lease.JobId, e);
        }
    }

    private async Task HeartbeatAsync(CancellationToken stop)
    {
        var scheduler = context.Grains.GetGrain<ISchedulerGrain>(pool);
        using var timer = new PeriodicTimer(context.Options.Value.HeartbeatInterval, context.Time);
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                context.Status.Tick();
                try
                {
                    OnLeaseStatus((await scheduler.Heartbeat(lease.JobId, lease.Token)).Status);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // A missed heartbeat is survivable (the lease outlives several); keep trying until the run ends.
                    LogHeartbeatFailed(lease.JobId, e);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            LogHeartbeatsStopped(lease.JobId);
        }
    }

    private void OnLeaseStatus(LeaseStatus status)
    {
        if (status == LeaseStatus.CancelRequested)
        {
            Stop(StopReason.CancelRequested);
        }
        else if (status == LeaseStatus.Lost)
        {
            Stop(StopReason.LeaseLost);
        }
    }

    private void RecordEngineMetrics(VideoResult result, IReadOnlyCollection<string> loadedBefore)
    {
        var model = lease.Spec.Model;
        foreach (var (stage, elapsed) in result.StageTimings)
        {
            context.Metrics.StageTime.WithLabels(model, stage.ToString().ToLowerInvariant()).Observe(elapsed.TotalSeconds);
        }

        if (!loadedBefore.Contains(model))
        {
            context.Metrics.ModelLoads.WithLabels(model).Inc();
            if (result.StageTimings.TryGetValue(GenerationStage.LoadingModel, out var load))
            {
                context.Metrics.ModelLoadTime.WithLabels(model).Observe(load.TotalSeconds);
            }
        }
    }

    private void DeleteQuietly(string folder)
    {
        try
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (IOException e)
        {
            LogCleanupFailed(folder, e);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} is answered from the artifact of job {SourceJobId}, an identical render")]
    private partial void LogReused(string jobId, string sourceJobId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId}: the identical render of job {SourceJobId} has no files any more; rendering")]
    private partial void LogReusedGone(string jobId, string sourceJobId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: looking up an identical render failed; rendering")]
    private partial void LogLookupFailed(string jobId, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId}: no render key, so no reuse ({Reason}); rendering")]
    private partial void LogNoRenderKey(string jobId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} succeeded (attempt {Attempt})")]
    private partial void LogSucceeded(string jobId, int attempt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} stopped: {Reason}")]
    private partial void LogStopped(string jobId, StopReason reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} failed ({Outcome})")]
    private partial void LogFailed(string jobId, AttemptOutcome outcome, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: lease no longer held, output discarded: {Detail}")]
    private partial void LogLeaseLost(string jobId, string detail);

    [LoggerMessage(Level = LogLevel.Error, Message = "Worker is unhealthy and stops leasing: {Reason}")]
    private partial void LogUnhealthy(string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: heartbeat failed")]
    private partial void LogHeartbeatFailed(string jobId, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Job {JobId}: heartbeats stopped")]
    private partial void LogHeartbeatsStopped(string jobId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Job {JobId}: abandoned after a farm failure; its lease will expire and it will be requeued")]
    private partial void LogAbandoned(string jobId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: reporting {Outcome} failed; the lease will expire instead")]
    private partial void LogReportFailed(string jobId, AttemptOutcome outcome, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: could not remove the folders of other attempts")]
    private partial void LogSealFailed(string jobId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: committing the upload failed on the way; its files are kept in case the commit was stored")]
    private partial void LogCommitUnknown(string jobId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: could not discard this attempt's uploaded files")]
    private partial void LogDiscardFailed(string jobId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not delete work folder {Folder}")]
    private partial void LogCleanupFailed(string folder, Exception exception);
}
