using System.Text.Json.Serialization;

namespace TurboDiffusion.Farm.Contracts;

/// <summary>When a job passed each milestone; null until it did.</summary>
/// <param name="QueuedAt">When the job last entered the queue (submission, or the latest requeue): the start of its queue wait.</param>
[GenerateSerializer, Immutable, Alias("turbo.JobTimings.v1")]
public sealed record JobTimings(
    [property: Id(0)] DateTimeOffset SubmittedAt,
    [property: Id(1)] DateTimeOffset QueuedAt,
    [property: Id(2)] DateTimeOffset? LeasedAt = null,
    [property: Id(3)] DateTimeOffset? StartedAt = null,
    [property: Id(4)] DateTimeOffset? UploadStartedAt = null,
    [property: Id(5)] DateTimeOffset? FinishedAt = null);

/// <summary>The outstanding lease: the token fences completion, so a worker whose lease was taken back cannot finish the job.</summary>
[GenerateSerializer, Immutable, Alias("turbo.LeaseInfo.v1")]
public sealed record LeaseInfo(
    [property: Id(0)] Guid Token,
    [property: Id(1)] string WorkerId,
    [property: Id(2)] string Silo,
    [property: Id(3)] DateTimeOffset GrantedAt);

/// <summary>One lease of the job: who ran it and how it ended.</summary>
[GenerateSerializer, Immutable, Alias("turbo.JobAttempt.v1")]
public sealed record JobAttempt(
    [property: Id(0)] int Number,
    [property: Id(1)] string WorkerId,
    [property: Id(2)] DateTimeOffset LeasedAt,
    [property: Id(3)] DateTimeOffset? EndedAt = null,
    [property: Id(4)] AttemptOutcome? Outcome = null,
    [property: Id(5)] string? Detail = null);

/// <summary>The stages a running job reports, in order (the engine's stages plus the upload).</summary>
public enum JobStage
{
    LoadingModel,
    EncodingText,
    EncodingImage,
    Denoising,
    Decoding,
    Writing,
    Uploading,
}

/// <summary>Coarse progress kept on the job (the per-step stream lives beside it, see the progress publisher).</summary>
[GenerateSerializer, Immutable, Alias("turbo.JobProgress.v1")]
public sealed record JobProgress(
    [property: Id(0)] JobStage Stage,
    [property: Id(1)] int Done,
    [property: Id(2)] int Total,
    [property: Id(3)] TimeSpan Elapsed);

/// <summary>Why a job ended without a video.</summary>
[GenerateSerializer, Immutable, Alias("turbo.JobFailure.v1")]
public sealed record JobFailure(
    [property: Id(0)] AttemptOutcome Reason,
    [property: Id(1)] string Message);

/// <summary>Where a finished job's files are: an MP4, its JSON sidecar and optionally one PNG per frame.</summary>
/// <param name="Store">"blob" or "local".</param>
/// <param name="Container">Blob container, or the artifact root directory.</param>
/// <param name="Prefix">The folder (blob prefix) holding this attempt's files, ending in '/'.</param>
/// <param name="LeaseToken">The attempt that produced the files; only the committed attempt's folder survives.</param>
/// <param name="ContentKey">The render's <see cref="RenderKey"/>: an identical job may be answered from these files. Null when the job did not dedupe.</param>
/// <param name="ReusedFrom">The job whose files these are a copy of, when this job was answered without rendering.</param>
/// <param name="RenderSeconds">Engine time the video took to render (the reused render's, for a copy): what a reuse saves.</param>
[GenerateSerializer, Immutable, Alias("turbo.ArtifactRef.v1")]
public sealed record ArtifactRef(
    [property: Id(0)] string Store,
    [property: Id(1)] string Container,
    [property: Id(2)] string Prefix,
    [property: Id(3)] string VideoName,
    [property: Id(4)] string SidecarName,
    [property: Id(5)] int FrameCount,
    [property: Id(6)] long Bytes,
    [property: Id(7)] Guid LeaseToken,
    [property: Id(8)] string? ContentKey = null,
    [property: Id(9)] string? ReusedFrom = null,
    [property: Id(10)] double RenderSeconds = 0)
{
    [JsonIgnore]
    public string VideoKey => Prefix + VideoName;

    [JsonIgnore]
    public string SidecarKey => Prefix + SidecarName;

    /// <summary>The folder of PNG frames (empty when none were stored).</summary>
    [JsonIgnore]
    public string FramesPrefix => Prefix + "frames/";
}
