using TurboDiffusion.Client;
using TurboDiffusion.Client.Models;

namespace TurboDiffusion.Cli.Farm;

/// <summary>Follows one batch through the gateway: the latest view of each job, in file order, and downloads each video once it succeeded.</summary>
public sealed class RenderTracker(TurboFarmClient client, string batchId, IReadOnlyList<string> names, string outDirectory)
{
    private const int PageSize = 1000;

    private readonly HashSet<string> written = [];

    public IReadOnlyList<string> Names { get; } = names;

    public string OutDirectory { get; } = outDirectory;

    public IReadOnlyList<JobView> Jobs { get; private set; } = [];

    /// <summary>Jobs whose video and sidecar are written.</summary>
    public IReadOnlySet<string> Written => written;

    /// <summary>Refreshes every job and writes newly finished videos; true once every job finished.</summary>
    public async Task<bool> PollAsync(CancellationToken cancellationToken)
    {
        var jobs = new List<JobView>(Names.Count);
        await foreach (var job in client.StreamBatchJobsAsync(batchId, PageSize, cancellationToken).ConfigureAwait(false))
        {
            jobs.Add(job);
        }

        Jobs = jobs;
        for (var i = 0; i < jobs.Count; i++)
        {
            if (jobs[i].Status == JobStatus.Succeeded && !written.Contains(jobs[i].Id))
            {
                var path = Path.Combine(OutDirectory, Names[i]);
                await client.DownloadAsync(jobs[i].Id, path + ".mp4", ArtifactFile.Video, cancellationToken).ConfigureAwait(false);
                await client.DownloadAsync(jobs[i].Id, path + ".json", ArtifactFile.Sidecar, cancellationToken).ConfigureAwait(false);
                written.Add(jobs[i].Id);
            }
        }

        return jobs.Count == Names.Count && jobs.All(j => j.IsFinished);
    }
}
