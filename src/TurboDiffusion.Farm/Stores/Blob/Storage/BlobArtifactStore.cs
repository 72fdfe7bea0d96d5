using System.Collections.Concurrent;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Options;
using TurboDiffusion.Farm.Contracts;

namespace TurboDiffusion.Farm.Stores.Blob;

/// <summary>
/// Artifacts in Azure Blob storage, laid out by <see cref="BlobLayout"/>: an attempt's files under
/// [{tenant}/]{jobId}/{leaseToken}/ (video.mp4, video.json, frames/*.png). The video is uploaded last, so an attempt
/// folder with a video has all its files. The job's step checkpoint is the blob [{tenant}/]{jobId}/step-checkpoint
/// (<see cref="BlobStepCheckpoints"/>).
/// </summary>
public sealed class BlobArtifactStore : IArtifactStore, IArtifactLinks
{
    public const string StoreName = "blob";

    private readonly BlobServiceClient service;
    private readonly BlobArtifactOptions options;
    private readonly ConcurrentDictionary<string, Task<BlobContainerClient>> containers = new(StringComparer.Ordinal);
    private readonly BlobStepCheckpoints checkpoints;

    public BlobArtifactStore(IOptions<BlobArtifactOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.options = options.Value;
        var clientOptions = this.options.ServiceVersion is { } version
            ? new BlobClientOptions(Enum.Parse<BlobClientOptions.ServiceVersion>(version))
            : new BlobClientOptions();
        service = new BlobServiceClient(this.options.ConnectionString, clientOptions);
        checkpoints = new BlobStepCheckpoints(Locate, Container, service.GetBlobContainerClient);
    }

    public async Task CheckAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            if (options.Layout == BlobLayout.SharedContainer)
            {
                await Container(options.Container, cancellationToken);
            }
            else
            {
                await foreach (var _ in service.GetBlobContainersAsync(prefix: options.ContainerPrefix, cancellationToken: cancellationToken).AsPages(pageSizeHint: 1))
                {
                    break;
                }
            }
        }
        catch (RequestFailedException e)
        {
            throw new ArtifactStoreException(service.Uri.ToString(), $"The blob service refused a check ({e.Status} {e.ErrorCode}): check Turbo:Blob:ConnectionString and the account's permissions", e);
        }
        catch (Exception e) when (e is AggregateException or HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new ArtifactStoreException(service.Uri.ToString(), $"The blob service cannot be reached: {e.Message}. Check Turbo:Blob:ConnectionString and the network", e);
        }
    }

    public async Task<ArtifactRef> UploadAsync(ArtifactUpload upload, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(upload);
        var (containerName, jobPrefix) = Locate(upload.Tenant, upload.JobId);
        var prefix = jobPrefix + ArtifactNames.AttemptFolder(upload.LeaseToken) + "/";
        var container = await Container(containerName, cancellationToken);
        try
        {
            long bytes = 0;
            var frames = 0;
            if (upload.FramesDirectory is { } framesDirectory)
            {
                foreach (var frame in Directory.EnumerateFiles(framesDirectory).Order(StringComparer.Ordinal))
                {
                    bytes += await UploadFileAsync(container, prefix + ArtifactNames.Frames + Path.GetFileName(frame), frame, cancellationToken);
                    frames++;
                }
            }

            bytes += await UploadFileAsync(container, prefix + ArtifactNames.Sidecar, upload.SidecarPath, cancellationToken);
            bytes += await UploadFileAsync(container, prefix + ArtifactNames.Video, upload.VideoPath, cancellationToken);
            return new ArtifactRef(StoreName, containerName, prefix, ArtifactNames.Video, ArtifactNames.Sidecar, frames, bytes, upload.LeaseToken);
        }
        catch (RequestFailedException e)
        {
            throw new ArtifactStoreException($"{containerName}/{prefix}", $"Uploading the artifact of job {upload.JobId} failed ({e.Status} {e.ErrorCode}): check Turbo:Blob:ConnectionString and the account's permissions", e);
        }
        catch (IOException e)
        {
            throw new ArtifactStoreException($"{containerName}/{prefix}", $"Reading the rendered files of job {upload.JobId} failed: {e.Message}", e);
        }
    }

    public async Task<ArtifactRef?> CopyAsync(ArtifactRef source, string tenant, string jobId, Guid leaseToken, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        var from = service.GetBlobContainerClient(source.Container);
        var (containerName, jobPrefix) = Locate(tenant, jobId);
        var prefix = jobPrefix + ArtifactNames.AttemptFolder(leaseToken) + "/";
        try
        {
            var files = new Dictionary<string, long>(StringComparer.Ordinal);
            await foreach (var item in from.GetBlobsAsync(BlobTraits.None, BlobStates.None, source.Prefix, cancellationToken))
            {
                files[item.Name[source.Prefix.Length..]] = item.Properties.ContentLength ?? 0;
            }

            if (!files.ContainsKey(source.VideoName) || !files.ContainsKey(source.SidecarName))
            {
                return null;
            }

            // Streamed through this worker rather than a server-side copy, which would need the source readable by URL
            // (a SAS) across containers. The video goes last, as in an upload: a folder with a video has all its files.
            var container = await Container(containerName, cancellationToken);
            foreach (var name in files.Keys.OrderBy(n => n == source.VideoName).ThenBy(n => n, StringComparer.Ordinal))
            {
                await using var content = await from.GetBlobClient(source.Prefix + name).OpenReadAsync(cancellationToken: cancellationToken);
                await container.GetBlobClient(prefix + name).UploadAsync(content, overwrite: true, cancellationToken);
            }

            var frames = files.Keys.Count(n => n.StartsWith(ArtifactNames.Frames, StringComparison.Ordinal));
            return new ArtifactRef(StoreName, containerName, prefix, ArtifactNames.Video, ArtifactNames.Sidecar, frames, files.Values.Sum(), leaseToken);
        }
        catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.ContainerNotFound || e.ErrorCode == BlobErrorCode.BlobNotFound)
        {
            // The source went away (expired, deleted) before or during the copy: nothing to reuse.
            return null;
        }
        catch (RequestFailedException e)
        {
            throw new ArtifactStoreException($"{containerName}/{prefix}", $"Copying the artifact {source.Container}/{source.Prefix} for job {jobId} failed ({e.Status} {e.ErrorCode}): check Turbo:Blob:ConnectionString and the account's permissions", e);
        }
    }

    public async Task SealAsync(ArtifactRef committed, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(committed);
        var container = service.GetBlobContainerClient(committed.Container);
        var jobPrefix = JobPrefixOf(committed.Prefix);
        await DeleteWhereAsync(container, jobPrefix, name => !name.StartsWith(committed.Prefix, StringComparison.Ordinal), cancellationToken);
    }

    public async Task DiscardAsync(string tenant, string jobId, Guid leaseToken, CancellationToken cancellationToken = default)
    {
        var (containerName, jobPrefix) = Locate(tenant, jobId);
        var container = service.GetBlobContainerClient(containerName);
        try
        {
            await DeleteWhereAsync(container, jobPrefix + ArtifactNames.AttemptFolder(leaseToken) + "/", _ => true, cancellationToken);
        }
        catch (ArtifactStoreException e) when (e.InnerException is RequestFailedException { ErrorCode: var code } && code == BlobErrorCode.ContainerNotFound)
        {
            // Nothing was ever uploaded for this tenant: nothing to discard.
            return;
        }
    }

    public async Task<IReadOnlyList<Guid>> ListAttemptsAsync(string tenant, string jobId, CancellationToken cancellationToken = default)
    {
        var (containerName, jobPrefix) = Locate(tenant, jobId);
        var container = service.GetBlobContainerClient(containerName);
        var attempts = new List<Guid>();
        try
        {
            await foreach (var item in container.GetBlobsByHierarchyAsync(BlobTraits.None, BlobStates.None, "/", jobPrefix, cancellationToken))
            {
                if (item.IsPrefix && ArtifactNames.TryParseAttempt(item.Prefix[jobPrefix.Length..].TrimEnd('/'), out var token))
                {
                    attempts.Add(token);
                }
            }
        }
        catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.ContainerNotFound)
        {
            return [];
        }

        return attempts;
    }

    public async Task<Stream> OpenReadAsync(ArtifactRef artifact, string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        var blob = service.GetBlobContainerClient(artifact.Container).GetBlobClient(artifact.Prefix + name);
        try
        {
            return await blob.OpenReadAsync(cancellationToken: cancellationToken);
        }
        catch (RequestFailedException e)
        {
            throw new ArtifactStoreException($"{artifact.Container}/{artifact.Prefix}{name}", $"Reading the artifact failed ({e.Status} {e.ErrorCode})", e);
        }
    }

    public Task<byte[]?> ClaimStepCheckpointAsync(string tenant, string jobId, int attempt, CancellationToken cancellationToken = default) =>
        checkpoints.ClaimAsync(tenant, jobId, attempt, cancellationToken);

    public Task SaveStepCheckpointAsync(string tenant, string jobId, int attempt, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default) =>
        checkpoints.SaveAsync(tenant, jobId, attempt, content, cancellationToken);

    public Task DeleteStepCheckpointAsync(string tenant, string jobId, CancellationToken cancellationToken = default) =>
        checkpoints.DeleteAsync(tenant, jobId, cancellationToken);

    /// <summary>A read-only SAS URL of one file; null when the connection string has no account key (e.g. a SAS or token credential).</summary>
    public Uri? TryCreateReadUrl(ArtifactRef artifact, string name, DateTimeOffset expiresAt)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        var blob = service.GetBlobContainerClient(artifact.Container).GetBlobClient(artifact.Prefix + name);
        return blob.CanGenerateSasUri ? blob.GenerateSasUri(Azure.Storage.Sas.BlobSasPermissions.Read, expiresAt) : null;
    }

    private (string Container, string JobPrefix) Locate(string tenant, string jobId) => options.Layout == BlobLayout.SharedContainer
        ? (options.Container, $"{tenant}/{jobId}/")
        : (BlobNaming.ContainerFor(options.ContainerPrefix, tenant), $"{jobId}/");

    /// <summary>"[tenant/]job/token/" → "[tenant/]job/".</summary>
    private static string JobPrefixOf(string attemptPrefix)
    {
        var trimmed = attemptPrefix.TrimEnd('/');
        return trimmed[..(trimmed.LastIndexOf('/') + 1)];
    }

    private Task<BlobContainerClient> Container(string name, CancellationToken cancellationToken) =>
        containers.GetOrAdd(name, async n =>
        {
            var client = service.GetBlobContainerClient(n);
            try
            {
                await client.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
            }
            catch (RequestFailedException e)
            {
                containers.TryRemove(n, out _);
                throw new ArtifactStoreException(n, $"Creating blob container failed ({e.Status} {e.ErrorCode}): check Turbo:Blob:ConnectionString", e);
            }

            return client;
        });

    private static async Task<long> UploadFileAsync(BlobContainerClient container, string name, string path, CancellationToken cancellationToken)
    {
        await using var file = File.OpenRead(path);
        await container.GetBlobClient(name).UploadAsync(file, overwrite: true, cancellationToken);
        return file.Length;
    }

    private static async Task DeleteWhereAsync(BlobContainerClient container, string prefix, Func<string, bool> delete, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var blob in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix, cancellationToken))
            {
                if (delete(blob.Name))
                {
                    await container.DeleteBlobIfExistsAsync(blob.Name, cancellationToken: cancellationToken);
                }
            }
        }
        catch (RequestFailedException e)
        {
            throw new ArtifactStoreException($"{container.Name}/{prefix}", $"Deleting stale artifact blobs failed ({e.Status} {e.ErrorCode})", e);
        }
    }
}
