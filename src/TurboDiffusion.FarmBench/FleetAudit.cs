using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Farm.Stores;

namespace TurboDiffusion.FarmBench;

/// <summary>
/// What the farm owes after a run, checked against every accepted job's final record and the artifact store. All
/// counts must be 0: lost (did not succeed, or never ended), duplicated (succeeded more than once, or left a second
/// attempt's files behind) and artifact-less (succeeded without a video and sidecar of the recorded size).
/// </summary>
public sealed record FleetAudit(int Accepted, int Lost, int Duplicated, int ArtifactLess, IReadOnlyList<string> Examples)
{
    private const int MaxExamples = 10;

    public bool Holds => Lost == 0 && Duplicated == 0 && ArtifactLess == 0;

    public static async Task<FleetAudit> CheckAsync(IReadOnlyList<string> accepted, IReadOnlyList<JobState> finished, IArtifactStore artifacts, CancellationToken cancellationToken)
    {
        var byId = finished.ToDictionary(j => j.JobId, StringComparer.Ordinal);
        var examples = new List<string>();
        int lost = 0, duplicated = 0, artifactLess = 0;
        foreach (var id in accepted)
        {
            if (!byId.TryGetValue(id, out var job) || job.Status != JobStatus.Succeeded)
            {
                lost++;
                Note(examples, $"{id} lost: {(job is null ? "no record" : $"{job.Status} {job.Failure?.Message}")}");
                continue;
            }

            var attempts = await artifacts.ListAttemptsAsync(job.Spec.Tenant, job.JobId, cancellationToken);
            if (job.Attempts.Count(a => a.Outcome == AttemptOutcome.Succeeded) > 1 || attempts.Count > 1)
            {
                duplicated++;
                Note(examples, $"{id} duplicated: {job.Attempts.Count(a => a.Outcome == AttemptOutcome.Succeeded)} succeeded attempts, {attempts.Count} attempts' files");
            }

            if (job.Artifact is not { } artifact || await StoredBytesAsync(artifacts, artifact, cancellationToken) != artifact.Bytes)
            {
                artifactLess++;
                Note(examples, $"{id} succeeded without its artifact");
            }
        }

        return new FleetAudit(accepted.Count, lost, duplicated, artifactLess, examples);
    }

    private static async Task<long> StoredBytesAsync(IArtifactStore artifacts, ArtifactRef artifact, CancellationToken cancellationToken)
    {
        try
        {
            return await LengthAsync(artifacts, artifact, artifact.VideoName, cancellationToken) + await LengthAsync(artifacts, artifact, artifact.SidecarName, cancellationToken);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return -1;
        }
    }

    private static async Task<long> LengthAsync(IArtifactStore artifacts, ArtifactRef artifact, string name, CancellationToken cancellationToken)
    {
        await using var stream = await artifacts.OpenReadAsync(artifact, name, cancellationToken);
        var total = 0L;
        var buffer = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
        {
            total += read;
        }

        return total;
    }

    private static void Note(List<string> examples, string example)
    {
        if (examples.Count < MaxExamples)
        {
            examples.Add(example);
        }
    }
}
