using Microsoft.Extensions.Options;
using TurboDiffusion.Farm.Contracts;

namespace TurboDiffusion.Farm.Stores.Local;

/// <summary>
/// Artifacts in a local directory: {root}/{tenant}/{jobId}/{leaseToken}/video.mp4, video.json, frames/*.png.
/// An attempt is copied into "{leaseToken}.partial" and renamed into place, so a folder is complete once it is visible.
/// The job's step checkpoint is {root}/{tenant}/{jobId}/step-checkpoint/ (<see cref="LocalStepCheckpoints"/>).
/// </summary>
public sealed class LocalArtifactStore : IArtifactStore
{
    public const string StoreName = "local";
    private const string Partial = ".partial";
    private readonly IOptions<LocalArtifactOptions> options;
    private readonly LocalStepCheckpoints checkpoints;

    public LocalArtifactStore(IOptions<LocalArtifactOptions> options)
    {
        this.options = options;
        checkpoints = new LocalStepCheckpoints(JobFolder);
    }

    private string Root => Path.GetFullPath(options.Value.Directory);

    public async Task CheckAsync(CancellationToken cancellationToken = default)
    {
        var probe = Path.Combine(Root, $".probe-{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(Root);
            await File.WriteAllBytesAsync(probe, [1], cancellationToken);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ArtifactStoreException(Root, $"The artifact directory cannot be written: {e.Message}. Check free space and permissions of Turbo:Artifacts:Directory", e);
        }
    }

    public async Task<ArtifactRef> UploadAsync(ArtifactUpload upload, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(upload);
        var jobFolder = JobFolder(upload.Tenant, upload.JobId);
        var folder = Path.Combine(jobFolder, ArtifactNames.AttemptFolder(upload.LeaseToken));
        var staging = folder + Partial;
        try
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }

            Directory.CreateDirectory(staging);
            long bytes = 0;
            bytes += await CopyAsync(upload.VideoPath, Path.Combine(staging, ArtifactNames.Video), cancellationToken);
            bytes += await CopyAsync(upload.SidecarPath, Path.Combine(staging, ArtifactNames.Sidecar), cancellationToken);
            var frames = 0;
            if (upload.FramesDirectory is { } framesDirectory)
            {
                var target = Directory.CreateDirectory(Path.Combine(staging, "frames")).FullName;
                foreach (var frame in Directory.EnumerateFiles(framesDirectory).Order(StringComparer.Ordinal))
                {
                    bytes += await CopyAsync(frame, Path.Combine(target, Path.GetFileName(frame)), cancellationToken);
                    frames++;
                }
            }

            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }

            Directory.Move(staging, folder);
            var prefix = Path.GetRelativePath(Root, folder).Replace('\\', '/') + "/";
            return new ArtifactRef(StoreName, Root, prefix, ArtifactNames.Video, ArtifactNames.Sidecar, frames, bytes, upload.LeaseToken);
        }
        catch (IOException e)
        {
            throw new ArtifactStoreException(folder, $"Storing the artifact of job {upload.JobId} failed: {e.Message}. Check free space and permissions of Turbo:Artifacts:Directory", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new ArtifactStoreException(folder, $"Storing the artifact of job {upload.JobId} was denied: {e.Message}. Check permissions of Turbo:Artifacts:Directory", e);
        }
    }

    public async Task<ArtifactRef?> CopyAsync(ArtifactRef source, string tenant, string jobId, Guid leaseToken, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        var folder = Path.GetFullPath(Path.Combine(Root, source.Prefix));
        if (!folder.StartsWith(Root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new ArtifactStoreException(folder, $"The artifact to copy ({source.Prefix}) is outside Turbo:Artifacts:Directory");
        }

        var video = Path.Combine(folder, source.VideoName);
        var sidecar = Path.Combine(folder, source.SidecarName);
        if (!File.Exists(video) || !File.Exists(sidecar))
        {
            return null;
        }

        var frames = Path.Combine(folder, ArtifactNames.Frames);
        return await UploadAsync(new ArtifactUpload(tenant, jobId, leaseToken, video, sidecar, Directory.Exists(frames) ? frames : null), cancellationToken);
    }

    public Task SealAsync(ArtifactRef committed, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(committed);
        var keep = ArtifactNames.AttemptFolder(committed.LeaseToken);
        var jobFolder = Path.GetDirectoryName(Path.Combine(Root, committed.Prefix.TrimEnd('/')))!;
        DeleteFolders(jobFolder, Directory.EnumerateDirectories(jobFolder).Where(d => Path.GetFileName(d) != keep));
        return Task.CompletedTask;
    }

    public Task DiscardAsync(string tenant, string jobId, Guid leaseToken, CancellationToken cancellationToken = default)
    {
        var folder = Path.Combine(JobFolder(tenant, jobId), ArtifactNames.AttemptFolder(leaseToken));
        DeleteFolders(folder, new[] { folder, folder + Partial }.Where(Directory.Exists));
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<Guid>> ListAttemptsAsync(string tenant, string jobId, CancellationToken cancellationToken = default)
    {
        var jobFolder = JobFolder(tenant, jobId);
        IReadOnlyList<Guid> attempts = Directory.Exists(jobFolder)
            ? [.. Directory.EnumerateDirectories(jobFolder)
                .Select(Path.GetFileName)
                .Select(name => ArtifactNames.TryParseAttempt(name!, out var token) ? token : (Guid?)null)
                .OfType<Guid>()]
            : [];
        return Task.FromResult(attempts);
    }

    public Task<Stream> OpenReadAsync(ArtifactRef artifact, string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        var folder = Path.GetFullPath(Path.Combine(Root, artifact.Prefix));
        var path = Path.GetFullPath(Path.Combine(folder, name));
        if (!path.StartsWith(folder, StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{name}' is outside the artifact folder; ask for {ArtifactNames.Video}, {ArtifactNames.Sidecar} or frames/<file>.", nameof(name));
        }

        return Task.FromResult<Stream>(File.OpenRead(path));
    }

    public Task<byte[]?> ClaimStepCheckpointAsync(string tenant, string jobId, int attempt, CancellationToken cancellationToken = default) =>
        checkpoints.ClaimAsync(tenant, jobId, attempt, cancellationToken);

    public Task SaveStepCheckpointAsync(string tenant, string jobId, int attempt, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default) =>
        checkpoints.SaveAsync(tenant, jobId, attempt, content, cancellationToken);

    public Task DeleteStepCheckpointAsync(string tenant, string jobId, CancellationToken cancellationToken = default) =>
        checkpoints.DeleteAsync(tenant, jobId);

    private static void DeleteFolders(string location, IEnumerable<string> folders)
    {
        try
        {
            foreach (var folder in folders.ToList())
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ArtifactStoreException(location, $"Deleting artifact folders failed: {e.Message}", e);
        }
    }

    private string JobFolder(string tenant, string jobId) => Path.Combine(Root, tenant, jobId);

    private static async Task<long> CopyAsync(string source, string target, CancellationToken cancellationToken)
    {
        await using var input = File.OpenRead(source);
        await using var output = File.Create(target);
        await input.CopyToAsync(output, cancellationToken);
        return output.Length;
    }
}
