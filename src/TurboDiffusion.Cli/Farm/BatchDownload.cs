using System.Globalization;
using TurboDiffusion.Client;
using TurboDiffusion.Client.Models;

namespace TurboDiffusion.Cli.Farm;

/// <summary>
/// Saves every succeeded job of a batch into one folder as <c>{jobId}.mp4</c> and <c>{jobId}.json</c>, a few at a
/// time, skipping what an earlier run saved. Jobs stream from the gateway a page at a time, so a batch of 100,000 jobs
/// never sits in memory. The client writes each file aside and renames it, so a file under its final name is whole;
/// where the artifact is just these two files (no frames), their sizes must also add up to its byte count before the
/// job is skipped, which catches a file put there by other means.
/// </summary>
public sealed class BatchDownload(TurboFarmClient client, string directory, int parallel, TextWriter output, TextWriter error)
{
    public const int MinParallel = 1;
    public const int MaxParallel = 64;
    public const int DefaultParallel = 4;

    /// <summary>Tries per job. The client already retries failed requests; these cover a body cut mid-way or a disk hiccup.</summary>
    private const int Attempts = 3;

    /// <summary>Jobs between progress lines: enough to stay readable in a log for a batch of 100,000.</summary>
    private const int ProgressEvery = 1000;

    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(500);

    private readonly Lock writing = new();

    public async Task<BatchDownloadTally> RunAsync(string batchId, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        var tally = new BatchDownloadTally();
        var options = new ParallelOptions { MaxDegreeOfParallelism = parallel, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(client.StreamBatchJobsAsync(batchId, cancellationToken: cancellationToken), options, async (job, token) =>
        {
            if (tally.Add(await SaveAsync(job, token).ConfigureAwait(false)) % ProgressEvery == 0)
            {
                Write(output, string.Create(CultureInfo.InvariantCulture, $"{tally.Jobs:N0} jobs seen: {tally}"));
            }
        }).ConfigureAwait(false);
        return tally;
    }

    private async Task<BatchDownloadOutcome> SaveAsync(JobView job, CancellationToken cancellationToken)
    {
        if (job.Status != JobStatus.Succeeded)
        {
            return job.IsFinished ? BatchDownloadOutcome.WithoutVideo : BatchDownloadOutcome.NotFinished;
        }

        var video = Path.Combine(directory, $"{job.Id}.mp4");
        var sidecar = Path.Combine(directory, $"{job.Id}.json");
        if (IsSaved(job, video, sidecar))
        {
            return BatchDownloadOutcome.AlreadyThere;
        }

        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await client.DownloadAsync(job.Id, video, ArtifactFile.Video, cancellationToken).ConfigureAwait(false);
                await client.DownloadAsync(job.Id, sidecar, ArtifactFile.Sidecar, cancellationToken).ConfigureAwait(false);
                return BatchDownloadOutcome.Downloaded;
            }
            catch (Exception e) when (e is IOException or HttpRequestException && attempt < Attempts && !cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(RetryDelay * attempt, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or HttpRequestException or UnauthorizedAccessException or TurboFarmException && !cancellationToken.IsCancellationRequested)
            {
                Write(error, $"error: job {job.Id} not saved after {attempt} tries: {e.Message}");
                return BatchDownloadOutcome.Failed;
            }
        }
    }

    private static bool IsSaved(JobView job, string video, string sidecar)
    {
        var saved = new FileInfo(video);
        var beside = new FileInfo(sidecar);
        if (!saved.Exists || !beside.Exists)
        {
            return false;
        }

        return job.Artifact is not { FrameCount: 0, Bytes: var bytes } || saved.Length + beside.Length == bytes;
    }

    /// <summary>Parallel downloads report through one writer, which is not safe for concurrent use.</summary>
    private void Write(TextWriter writer, string line)
    {
        lock (writing)
        {
            writer.WriteLine(line);
        }
    }
}
