using System.Globalization;

namespace TurboDiffusion.Farm.Stores.Local;

/// <summary>
/// A job's step checkpoint in the local artifact directory: {job folder}/step-checkpoint/ holding <c>fence</c> (the
/// highest attempt that claimed or saved, as text) and <c>step.bin</c>. Every read and write of the two holds an
/// exclusive lock on <c>lock</c> (an OS file lock, so silos of other processes on a shared directory wait too); the
/// content is written beside and renamed over, so a reader sees the old checkpoint or the new, never part of one.
/// </summary>
internal sealed class LocalStepCheckpoints(Func<string, string, string> jobFolder)
{
    private const string FenceFile = "fence";
    private const string ContentFile = "step.bin";
    private const string LockFile = "lock";
    private static readonly TimeSpan LockRetry = TimeSpan.FromMilliseconds(5);

    /// <summary>
    /// What .NET reports for a file another handle holds with FileShare.None: on Windows ERROR_SHARING_VIOLATION, on
    /// Unix (an flock that would block) the errno EWOULDBLOCK, 11 on Linux and 35 on macOS.
    /// </summary>
    private static readonly int[] LockHeld = [unchecked((int)0x80070020), OperatingSystem.IsMacOS() ? 35 : 11];

    public async Task<byte[]?> ClaimAsync(string tenant, string jobId, int attempt, CancellationToken cancellationToken)
    {
        var folder = Folder(tenant, jobId);
        return await UnderLockAsync(folder, jobId, async () =>
        {
            Fence(folder, jobId, attempt);
            var content = Path.Combine(folder, ContentFile);
            return File.Exists(content) ? await File.ReadAllBytesAsync(content, cancellationToken) : null;
        }, cancellationToken);
    }

    public Task SaveAsync(string tenant, string jobId, int attempt, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        var folder = Folder(tenant, jobId);
        return UnderLockAsync(folder, jobId, async () =>
        {
            Fence(folder, jobId, attempt);
            var staging = Path.Combine(folder, $"{ContentFile}.{attempt}.partial");
            await using (var file = File.Create(staging))
            {
                await file.WriteAsync(content, cancellationToken);
            }

            File.Move(staging, Path.Combine(folder, ContentFile), overwrite: true);
            return true;
        }, cancellationToken);
    }

    public Task DeleteAsync(string tenant, string jobId)
    {
        var folder = Folder(tenant, jobId);
        try
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ArtifactStoreException(folder, $"Deleting the step checkpoint of job {jobId} failed: {e.Message}", e);
        }

        return Task.CompletedTask;
    }

    private string Folder(string tenant, string jobId) => Path.Combine(jobFolder(tenant, jobId), ArtifactNames.StepCheckpoint);

    /// <summary>Raises the fence to <paramref name="attempt"/>, or refuses an attempt below it.</summary>
    private static void Fence(string folder, string jobId, int attempt)
    {
        var path = Path.Combine(folder, FenceFile);
        var fence = File.Exists(path) ? int.Parse(File.ReadAllText(path), NumberStyles.None, CultureInfo.InvariantCulture) : 0;
        if (attempt < fence)
        {
            throw new StaleCheckpointException(jobId, attempt, fence);
        }

        if (attempt > fence)
        {
            File.WriteAllText(path, attempt.ToString(CultureInfo.InvariantCulture));
        }
    }

    private static async Task<T> UnderLockAsync<T>(string folder, string jobId, Func<Task<T>> work, CancellationToken cancellationToken)
    {
        try
        {
            Directory.CreateDirectory(folder);
            await using var held = await LockAsync(Path.Combine(folder, LockFile), cancellationToken);
            return await work();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            throw new ArtifactStoreException(folder, $"The step checkpoint of job {jobId} could not be read or written: {e.Message}. Check free space and permissions of Turbo:Artifacts:Directory", e);
        }
    }

    private static async Task<FileStream> LockAsync(string path, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException e) when (LockHeld.Contains(e.HResult))
            {
                // Another attempt holds it for the few milliseconds of a claim or save.
                await Task.Delay(LockRetry, cancellationToken);
            }
        }
    }
}
