using System.Globalization;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace TurboDiffusion.Farm.Stores.Blob;

/// <summary>
/// A job's step checkpoint as one blob, [{tenant}/]{jobId}/step-checkpoint, whose metadata <c>attempt</c> is the fence:
/// the highest attempt that claimed or saved. Every change is conditional on the ETag read with the fence (compare and
/// set), so a stale attempt racing a claim loses, and a blob upload replaces the content whole or not at all.
/// </summary>
/// <param name="locate">Where a tenant's job lives: its container and the job's prefix in it.</param>
/// <param name="container">A container, created when missing.</param>
/// <param name="existing">A container as it is, for deletes.</param>
internal sealed class BlobStepCheckpoints(
    Func<string, string, (string Container, string JobPrefix)> locate,
    Func<string, CancellationToken, Task<BlobContainerClient>> container,
    Func<string, BlobContainerClient> existing)
{
    private const string AttemptKey = "attempt";

    public async Task<byte[]?> ClaimAsync(string tenant, string jobId, int attempt, CancellationToken cancellationToken)
    {
        var blob = await BlobAsync(tenant, jobId, cancellationToken);
        return await GuardAsync(blob, jobId, async () =>
        {
            while (true)
            {
                if (await FenceAsync(blob, jobId, attempt, cancellationToken) is not { } current)
                {
                    if (await TryUploadAsync(blob, ReadOnlyMemory<byte>.Empty, attempt, new BlobRequestConditions { IfNoneMatch = ETag.All }, cancellationToken))
                    {
                        return null;
                    }

                    continue;
                }

                var etag = current.ETag;
                if (current.Fence < attempt)
                {
                    try
                    {
                        etag = (await blob.SetMetadataAsync(Metadata(attempt), new BlobRequestConditions { IfMatch = etag }, cancellationToken)).Value.ETag;
                    }
                    catch (RequestFailedException e) when (e.Status == 412)
                    {
                        continue;
                    }
                }

                try
                {
                    var content = (await blob.DownloadContentAsync(new BlobDownloadOptions { Conditions = new BlobRequestConditions { IfMatch = etag } }, cancellationToken)).Value.Content;
                    return content.ToMemory().Length == 0 ? null : content.ToArray();
                }
                catch (RequestFailedException e) when (e.Status is 412 or 404)
                {
                    continue;
                }
            }
        });
    }

    public async Task SaveAsync(string tenant, string jobId, int attempt, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        var blob = await BlobAsync(tenant, jobId, cancellationToken);
        await GuardAsync(blob, jobId, async () =>
        {
            while (true)
            {
                var current = await FenceAsync(blob, jobId, attempt, cancellationToken);
                var conditions = current is null ? new BlobRequestConditions { IfNoneMatch = ETag.All } : new BlobRequestConditions { IfMatch = current.Value.ETag };
                if (await TryUploadAsync(blob, content, attempt, conditions, cancellationToken))
                {
                    return true;
                }
            }
        });
    }

    public async Task DeleteAsync(string tenant, string jobId, CancellationToken cancellationToken)
    {
        var (containerName, jobPrefix) = locate(tenant, jobId);
        var blob = existing(containerName).GetBlobClient(jobPrefix + ArtifactNames.StepCheckpoint);
        try
        {
            await GuardAsync(blob, jobId, async () => (await blob.DeleteIfExistsAsync(cancellationToken: cancellationToken)).Value);
        }
        catch (ArtifactStoreException e) when (e.InnerException is RequestFailedException { ErrorCode: var code } && code == BlobErrorCode.ContainerNotFound)
        {
            // Nothing was ever stored for this tenant: no checkpoint to delete.
        }
    }

    private async Task<BlobClient> BlobAsync(string tenant, string jobId, CancellationToken cancellationToken)
    {
        var (containerName, jobPrefix) = locate(tenant, jobId);
        return (await container(containerName, cancellationToken)).GetBlobClient(jobPrefix + ArtifactNames.StepCheckpoint);
    }

    /// <summary>The stored fence and its ETag, null when there is no blob; refuses an attempt below the fence.</summary>
    private static async Task<(int Fence, ETag ETag)?> FenceAsync(BlobClient blob, string jobId, int attempt, CancellationToken cancellationToken)
    {
        BlobProperties properties;
        try
        {
            properties = (await blob.GetPropertiesAsync(cancellationToken: cancellationToken)).Value;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }

        var fence = properties.Metadata.TryGetValue(AttemptKey, out var text) ? int.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture) : 0;
        if (attempt < fence)
        {
            throw new StaleCheckpointException(jobId, attempt, fence);
        }

        return (fence, properties.ETag);
    }

    /// <summary>False when the blob changed since it was read (another claim or save won the race): read again.</summary>
    private static async Task<bool> TryUploadAsync(BlobClient blob, ReadOnlyMemory<byte> content, int attempt, BlobRequestConditions conditions, CancellationToken cancellationToken)
    {
        try
        {
            await blob.UploadAsync(BinaryData.FromBytes(content), new BlobUploadOptions { Metadata = Metadata(attempt), Conditions = conditions }, cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            return false;
        }
    }

    private static Dictionary<string, string> Metadata(int attempt) => new() { [AttemptKey] = attempt.ToString(CultureInfo.InvariantCulture) };

    private static async Task<T> GuardAsync<T>(BlobClient blob, string jobId, Func<Task<T>> work)
    {
        try
        {
            return await work();
        }
        catch (RequestFailedException e)
        {
            throw new ArtifactStoreException($"{blob.BlobContainerName}/{blob.Name}", $"The step checkpoint of job {jobId} could not be read or written ({e.Status} {e.ErrorCode}): check Turbo:Blob:ConnectionString and the account's permissions", e);
        }
        catch (FormatException e)
        {
            throw new ArtifactStoreException($"{blob.BlobContainerName}/{blob.Name}", $"The step checkpoint of job {jobId} has a fence that is not an attempt number: {e.Message}", e);
        }
    }
}
