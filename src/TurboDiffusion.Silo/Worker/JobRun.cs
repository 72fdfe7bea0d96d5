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
/// With Turbo:Worker:CheckpointSteps the render saves a step checkpoint after every denoising step (tied to the same
/// render key) and goes on from the one an earlier attempt saved; a job that ends (succeeds, fails for good, is
/// canceled) leaves none behind, one handed back keeps its last.
/// </summary>
/// <param name="scratch">The worker's own folder under Turbo:Worker:WorkDirectory.</param>
internal sealed partial class JobRun(JobLease lease, string pool, string scratch, WorkerContext context, FailureStreak streak) : IDisposable
{
    private readonly CancellationTokenSource abort = new();
    private readonly ILogger logger = context.Loggers.CreateLogger<JobRun>();
    private int stopReason;
    private bool uploadBegun;
    private StepCheckpointWriter? checkpoints;
    private volatile bool rendered;
    private readonly TaskCompletionSource engineDone = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public JobLease Lease => lease;

    /// <summary>
    /// Completes once the engine can begin the next render: the render returned (or, on an engine that decodes beside
    /// the next denoise, its denoising is done) and only its decode, upload and the job's completion are left. A run
    /// that ends before (reused, stopped, failed) never completes it: its end says as much, with its outcome known.
    /// </summary>
    public Task EngineDone => engineDone.Task;

    /// <summary>After <see cref="RunAsync"/>: why the worker's machine failed this attempt, when it did (the job was handed back).</summary>
    public string? WorkerFault { get; private set; }

    private StopReason Reason => (StopReason)Volatile.Read(ref stopReason);

    /// <summary>
    /// Whether a drain can hand the job back now without losing work: its steps are being checkpointed and it is still
    /// denoising, so the next attempt goes on from the last saved step. A render past its denoising (decoding beside the
    /// next job, or done) finishes within the grace instead.
    /// </summary>
    public bool HandsBackAtOnce => Volatile.Read(ref checkpoints) is not null && !rendered && !engineDone.Task.IsCompleted;

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
            var dedupeKey = lease.Spec.Dedupe ? key : null;
            var artifact = (dedupeKey is null ? null : await ReuseAsync(dedupeKey)) ?? await RenderAndUploadAsync(output, key, dedupeKey);
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
            if (checkpoints is { } writer)
            {
                await writer.DisposeAsync();
            }

            DeleteQuietly(jobFolder);
        }
    }

    public void Dispose() => abort.Dispose();

    /// <summary>
    /// The job's render key, for dedupe and step checkpoints; null when it needs neither (it does not dedupe and
    /// Turbo:Worker:CheckpointSteps is off), or when the key cannot be known: the engine cannot identify its renders, or
    /// the model or image cannot be read (the render then reports that).
    /// </summary>
    private async Task<string?> RenderKeyAsync(string output)
    {
        if (!lease.Spec.Dedupe && !context.Options.Value.CheckpointSteps)
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

    /// <param name="key">The render key, for step checkpoints; null renders without them.</param>
    /// <param name="dedupeKey">The render key recorded with the artifact for later jobs to reuse; null when the job does not dedupe.</param>
    private async Task<ArtifactRef> RenderAndUploadAsync(string output, string? key, string? dedupeKey)
    {
        var options = context.Options.Value;
        Directory.CreateDirectory(output);
        var before = context.Engine.LoadedModels;
        var resumeFrom = options.CheckpointSteps && key is not null ? await ClaimCheckpointAsync(key) : null;
        await using var relay = new ProgressRelay(lease, Job, context.Progress, context.Metrics, options.ProgressReportInterval, OnLeaseStatus, logger);
        var request = VideoRequestMapper.Map(lease.Spec, Path.Combine(output, ArtifactNames.Video));
        VideoResult result;
        try
        {
            result = await GenerateAsync(request, resumeFrom, relay);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new EngineFailedException(lease.JobId, e);
        }

        // Nothing may be saved once the render is done: a late save must not outlive the job's end.
        rendered = true;
        if (checkpoints is { } writer)
        {
            await writer.DisposeAsync();
            checkpoints = null;
        }

        RecordEngineMetrics(result, before);
        if (result.Resumed is { } resumed)
        {
            context.Metrics.Resumes.WithLabels(pool).Inc();
            context.Metrics.ResumeSaved.WithLabels(pool).Inc(resumed.DenoiseSecondsSaved);
            LogResumed(lease.JobId, lease.Attempt, resumed.StepsSkipped, resumed.DenoiseSecondsSaved);
        }

        await Job.BeginUpload(lease.Token);
        relay.Report(new JobProgress(JobStage.Uploading, 0, 1, TimeSpan.Zero));
        uploadBegun = true;
        var artifact = await context.Artifacts.UploadAsync(
            new ArtifactUpload(lease.Spec.Tenant, lease.JobId, lease.Token, result.VideoPath, result.SidecarPath, result.FramesDirectory),
            abort.Token);
        context.Metrics.UploadBytes.Inc(artifact.Bytes);

        // Model loading is left out: a reuse saves the render, whatever was resident.
        var renderSeconds = result.StageTimings.Where(t => t.Key != GenerationStage.LoadingModel).Sum(t => t.Value.TotalSeconds);
        return artifact with { ContentKey = dedupeKey, RenderSeconds = renderSeconds };
    }

    /// <summary>
    /// Fences the job's step checkpoint to this attempt and returns the one to go on from: null when there is none, or
    /// it is damaged, or it is of another render (spec, engine, model or device changed), each logged. Starts the
    /// writer of this attempt's checkpoints, unless the store cannot be reached (the render then runs without).
    /// </summary>
    /// <exception cref="LeaseExpiredException">A later attempt holds the job's checkpoint: this one is stale.</exception>
    private async Task<DenoiseCheckpoint?> ClaimCheckpointAsync(string key)
    {
        byte[]? saved;
        try
        {
            saved = await context.Artifacts.ClaimStepCheckpointAsync(lease.Spec.Tenant, lease.JobId, lease.Attempt, abort.Token);
        }
        catch (StaleCheckpointException e)
        {
            LogCheckpointFencedOut(lease.JobId, e.Message);
            throw new LeaseExpiredException(lease.JobId, lease.Token);
        }
        catch (ArtifactStoreException e)
        {
            LogCheckpointUnavailable(lease.JobId, e);
            return null;
        }

        Volatile.Write(ref checkpoints, new StepCheckpointWriter(context.Artifacts, lease, key, () => Stop(StopReason.LeaseLost), logger));
        if (saved is null)
        {
            return null;
        }

        try
        {
            var (savedKey, checkpoint) = StepCheckpointFile.Read(saved);
            if (savedKey == key)
            {
                return checkpoint;
            }

            LogCheckpointOfAnotherRender(lease.JobId, checkpoint.StepsDone);
        }
        catch (InvalidDataException e)
        {
            LogCheckpointDamaged(lease.JobId, e.Message);
        }

        return null;
    }

    /// <summary>Renders, saving step checkpoints when a writer runs; a checkpoint the engine finds unfit is dropped and the render starts over.</summary>
    private async Task<VideoResult> GenerateAsync(VideoRequest request, DenoiseCheckpoint? resumeFrom, ProgressRelay relay)
    {
        if (checkpoints is not { } writer)
        {
            return await StartAsync(request, null, relay);
        }

        try
        {
            return await StartAsync(request, new RenderCheckpoints(resumeFrom, writer.Offer), relay);
        }
        catch (CheckpointMismatchException e) when (resumeFrom is not null)
        {
            LogCheckpointUnfit(lease.JobId, e.Message);
            return await StartAsync(request, new RenderCheckpoints(null, writer.Offer), relay);
        }
    }

    /// <summary>
    /// Starts the render and lets the worker go on to the next job as soon as the engine can take it: for an engine that
    /// decodes beside the next denoise, once this render's denoising is done.
    /// </summary>
    private Task<VideoResult> StartAsync(VideoRequest request, RenderCheckpoints? steps, ProgressRelay relay)
    {
        var render = context.Engine.Start(request, steps, relay, abort.Token);
        render.EngineFree.ContinueWith(
            free =>
            {
                if (free.IsCompletedSuccessfully)
                {
                    engineDone.TrySetResult();
                }
            },
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return render.Video;
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
                await EndedAsync(await ReportAsync(AttemptOutcome.Canceled, "canceled while running"));
                break;
            case StopReason.Drain:
                // The step the engine stopped after goes to the store before the job is handed back, so the next attempt finds it.
                if (checkpoints is { } writer)
                {
                    await FlushForHandBackAsync(writer);
                }

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
        var job = await ReportAsync(outcome, detail);
        await EndedAsync(job, restart: outcome == AttemptOutcome.EngineError);
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

    /// <returns>The job as the report left it; null when the report did not reach it.</returns>
    private async Task<JobState?> ReportAsync(AttemptOutcome outcome, string detail)
    {
        try
        {
            return await Job.Fail(lease.Token, outcome, detail);
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

        return null;
    }

    /// <summary>Waits for the last step's checkpoint, but no longer than the drain's grace: a stuck store must not hold the hand-back.</summary>
    private async Task FlushForHandBackAsync(StepCheckpointWriter writer)
    {
        try
        {
            await writer.FlushAsync().WaitAsync(context.Options.Value.DrainGracePeriod, context.Time);
            LogHandedBackAt(lease.JobId, writer.LastStepsDone);
        }
        catch (TimeoutException)
        {
            LogHandBackFlushTimedOut(lease.JobId, context.Options.Value.DrainGracePeriod, writer.LastStepsDone);
        }
    }

    /// <summary>
    /// Removes the step checkpoint of a job that ended for good (failed, canceled): no attempt goes on from it. With
    /// <paramref name="restart"/> (the engine failed) it goes too: the state it saved may be what the engine failed on,
    /// so the retry starts from the first step.
    /// </summary>
    private async Task EndedAsync(JobState? job, bool restart = false)
    {
        if (!context.Options.Value.CheckpointSteps || !(restart || job is { Status: JobStatus.Failed or JobStatus.Canceled }))
        {
            return;
        }

        if (checkpoints is { } writer)
        {
            await writer.DisposeAsync();
            checkpoints = null;
        }

        try
        {
            await context.Artifacts.DeleteStepCheckpointAsync(lease.Spec.Tenant, lease.JobId);
        }
        catch (ArtifactStoreException e)
        {
            LogCheckpointNotDeleted(lease.JobId, e);
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId}: attempt {Attempt} went on from the step checkpoint after step {StepsSkipped}, saving {Seconds:F1} s of denoising")]
    private partial void LogResumed(string jobId, int attempt, int stepsSkipped, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} handed back with its step checkpoint after step {StepsDone}")]
    private partial void LogHandedBackAt(string jobId, int stepsDone);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: its last step checkpoint was not stored within {Grace}; handed back with the one after step {StepsDone}")]
    private partial void LogHandBackFlushTimedOut(string jobId, TimeSpan grace, int stepsDone);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: a later attempt holds the step checkpoint, so this one is stale: {Detail}")]
    private partial void LogCheckpointFencedOut(string jobId, string detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: the step checkpoint cannot be read; rendering from the first step without checkpoints")]
    private partial void LogCheckpointUnavailable(string jobId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: the step checkpoint (after step {StepsDone}) is of another render: the spec, engine, model or device changed; rendering from the first step")]
    private partial void LogCheckpointOfAnotherRender(string jobId, int stepsDone);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: ignoring a damaged step checkpoint and rendering from the first step: {Problem}")]
    private partial void LogCheckpointDamaged(string jobId, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: the engine refused the step checkpoint; rendering from the first step: {Problem}")]
    private partial void LogCheckpointUnfit(string jobId, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: could not remove the step checkpoint of the ended job")]
    private partial void LogCheckpointNotDeleted(string jobId, Exception exception);

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
