using TurboDiffusion.Farm.Contracts;

namespace TurboDiffusion.Farm.Stores;

/// <summary>
/// Where rendered files go. Each attempt uploads into its own folder (named by its lease token), so concurrent or
/// stale attempts never overwrite each other; the job grain's fenced completion picks the winner, whose worker then
/// <see cref="SealAsync"/>s (removing every other attempt's folder) while a loser <see cref="DiscardAsync"/>s its own.
/// A job that was retried therefore ends with exactly one artifact.
/// </summary>
public interface IArtifactStore
{
    /// <summary>Proves the store can be reached and written, before a worker takes work that ends in an upload.</summary>
    /// <exception cref="ArtifactStoreException">It cannot; the message names the location and the fix.</exception>
    Task CheckAsync(CancellationToken cancellationToken = default);

    /// <summary>Uploads the attempt's files (MP4, sidecar, optional frames) into the attempt's folder.</summary>
    Task<ArtifactRef> UploadAsync(ArtifactUpload upload, CancellationToken cancellationToken = default);

    /// <summary>
    /// Copies the files of <paramref name="source"/>, another job's committed artifact, into this attempt's folder of
    /// <paramref name="tenant"/>'s job <paramref name="jobId"/>, as an upload would have stored them: the reusing job
    /// owns its copy, under its own tenant, for as long as its own record lives. Null when the source's video or
    /// sidecar is gone (expired or deleted), so a job is never answered with files that cannot be served.
    /// </summary>
    Task<ArtifactRef?> CopyAsync(ArtifactRef source, string tenant, string jobId, Guid leaseToken, CancellationToken cancellationToken = default);

    /// <summary>After the job committed <paramref name="committed"/>: deletes the folders of all other attempts of the job, and its step checkpoint.</summary>
    Task SealAsync(ArtifactRef committed, CancellationToken cancellationToken = default);

    /// <summary>Deletes one attempt's folder (complete or partly uploaded): its completion was refused, or it stopped mid-upload.</summary>
    Task DiscardAsync(string tenant, string jobId, Guid leaseToken, CancellationToken cancellationToken = default);

    /// <summary>The lease tokens of the attempt folders present for a job.</summary>
    Task<IReadOnlyList<Guid>> ListAttemptsAsync(string tenant, string jobId, CancellationToken cancellationToken = default);

    /// <summary>Opens one stored file of an artifact: <see cref="ArtifactRef.VideoName"/>, <see cref="ArtifactRef.SidecarName"/> or "frames/{file}".</summary>
    Task<Stream> OpenReadAsync(ArtifactRef artifact, string name, CancellationToken cancellationToken = default);

    /// <summary>
    /// Fences the job's step checkpoint (<see cref="ArtifactNames.StepCheckpoint"/>, one per job, beside its attempt
    /// folders) to <paramref name="attempt"/> and returns what an earlier attempt saved there, or null. From then on no
    /// earlier attempt can save: a stale worker never overwrites the state the new attempt goes on from.
    /// </summary>
    /// <param name="attempt">The lease's attempt number (<see cref="JobLease.Attempt"/>), which only grows.</param>
    /// <exception cref="StaleCheckpointException">A later attempt already holds the fence.</exception>
    Task<byte[]?> ClaimStepCheckpointAsync(string tenant, string jobId, int attempt, CancellationToken cancellationToken = default);

    /// <summary>Replaces the job's step checkpoint with <paramref name="content"/>, whole or not at all, unless a later attempt holds the fence.</summary>
    /// <exception cref="StaleCheckpointException">A later attempt holds the fence: this one is fenced out and nothing was written.</exception>
    Task SaveStepCheckpointAsync(string tenant, string jobId, int attempt, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default);

    /// <summary>Removes the job's step checkpoint and its fence (the job finished); harmless when there is none.</summary>
    Task DeleteStepCheckpointAsync(string tenant, string jobId, CancellationToken cancellationToken = default);
}

/// <summary>An artifact store that can hand out short-lived read URLs, so clients download straight from storage.</summary>
public interface IArtifactLinks
{
    /// <summary>A URL reading one stored file of <paramref name="artifact"/> until <paramref name="expiresAt"/>, or null when this store's credentials cannot sign one.</summary>
    Uri? TryCreateReadUrl(ArtifactRef artifact, string name, DateTimeOffset expiresAt);
}

/// <summary>The files one attempt produced, on the worker's disk.</summary>
public sealed record ArtifactUpload(string Tenant, string JobId, Guid LeaseToken, string VideoPath, string SidecarPath, string? FramesDirectory);

/// <summary>Names inside an attempt folder.</summary>
public static class ArtifactNames
{
    public const string Video = "video.mp4";
    public const string Sidecar = "video.json";
    public const string Frames = "frames/";

    /// <summary>A job's step checkpoint, beside its attempt folders; never parsed as an attempt.</summary>
    public const string StepCheckpoint = "step-checkpoint";

    public static string AttemptFolder(Guid leaseToken) => leaseToken.ToString("N");

    public static bool TryParseAttempt(string folder, out Guid leaseToken) =>
        Guid.TryParseExact(folder, "N", out leaseToken);
}

/// <summary>A step checkpoint write or claim of an attempt that a later attempt of the job has fenced out.</summary>
public sealed class StaleCheckpointException(string jobId, int attempt, int fence)
    : Exception($"Attempt {attempt} of job {jobId} may not write its step checkpoint: attempt {fence} holds it now, and only it may go on from there.")
{
    public string JobId { get; } = jobId;

    public int Attempt { get; } = attempt;

    public int Fence { get; } = fence;
}

/// <summary>The artifact store failed; names the location.</summary>
public sealed class ArtifactStoreException(string location, string message, Exception? inner = null)
    : Exception($"{message} ({location})", inner)
{
    public string Location { get; } = location;
}
