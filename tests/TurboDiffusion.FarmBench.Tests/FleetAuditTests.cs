using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Farm.Stores;
using TurboDiffusion.Farm.Stores.Local;

namespace TurboDiffusion.FarmBench.Tests;

/// <summary>The end-of-run audit finds each kind of broken promise, in the records and in the artifact store.</summary>
public sealed class FleetAuditTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 10, 0, 0, TimeSpan.Zero);

    private readonly string directory = Directory.CreateTempSubdirectory("audit-").FullName;
    private readonly LocalArtifactStore artifacts;

    public FleetAuditTests() =>
        artifacts = new LocalArtifactStore(Microsoft.Extensions.Options.Options.Create(new LocalArtifactOptions { Directory = Path.Combine(directory, "artifacts") }));

    [Fact]
    public async Task A_run_where_every_job_succeeded_once_with_its_files_holds()
    {
        var good = await SucceededAsync("good");

        var audit = await FleetAudit.CheckAsync(["good"], [good], artifacts, TestContext.Current.CancellationToken);

        Assert.True(audit.Holds);
        Assert.Empty(audit.Examples);
    }

    [Fact]
    public async Task Failed_unended_and_unrecorded_jobs_are_lost()
    {
        var failed = Queued("failed") with { Status = JobStatus.Failed, Failure = new JobFailure(AttemptOutcome.EngineError, "boom") };
        var running = Queued("running") with { Status = JobStatus.Running };

        var audit = await FleetAudit.CheckAsync(["failed", "running", "missing"], [failed, running], artifacts, TestContext.Current.CancellationToken);

        Assert.Equal(3, audit.Lost);
        Assert.False(audit.Holds);
        Assert.Contains(audit.Examples, e => e.StartsWith("missing lost: no record", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_job_that_succeeded_twice_or_kept_a_second_attempts_files_is_duplicated()
    {
        var twice = await SucceededAsync("twice");
        twice = twice with { Attempts = [.. twice.Attempts, new JobAttempt(2, "w2", Now, Now, AttemptOutcome.Succeeded)] };
        var leftover = await SucceededAsync("leftover");
        await UploadAsync("leftover", Guid.NewGuid());

        var audit = await FleetAudit.CheckAsync(["twice", "leftover"], [twice, leftover], artifacts, TestContext.Current.CancellationToken);

        Assert.Equal(2, audit.Duplicated);
        Assert.Equal(0, audit.Lost);
    }

    [Fact]
    public async Task A_succeeded_job_whose_files_are_gone_or_short_is_artifact_less()
    {
        var gone = await SucceededAsync("gone");
        Directory.Delete(Path.Combine(directory, "artifacts", gone.Artifact!.Prefix), recursive: true);
        var shortFile = await SucceededAsync("short");
        shortFile = shortFile with { Artifact = shortFile.Artifact! with { Bytes = shortFile.Artifact.Bytes + 1 } };
        var none = Queued("none") with { Status = JobStatus.Succeeded, Attempts = [new JobAttempt(1, "w1", Now, Now, AttemptOutcome.Succeeded)] };

        var audit = await FleetAudit.CheckAsync(["gone", "short", "none"], [gone, shortFile, none], artifacts, TestContext.Current.CancellationToken);

        Assert.Equal(3, audit.ArtifactLess);
        Assert.Equal(0, audit.Lost);
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);

    private static JobState Queued(string id) => JobState.Submitted(id, new JobSpec("a shot", "model-0", JobResolution.P480, JobAspect.Landscape16x9, 81, 4, 1, JobPriority.Normal, "tenant-0"), "default", null, Now);

    private async Task<JobState> SucceededAsync(string id)
    {
        var token = Guid.NewGuid();
        var artifact = await UploadAsync(id, token);
        return Queued(id) with
        {
            Status = JobStatus.Succeeded,
            Artifact = artifact,
            Attempts = [new JobAttempt(1, "w1", Now, Now, AttemptOutcome.Succeeded)],
        };
    }

    private async Task<ArtifactRef> UploadAsync(string id, Guid token)
    {
        var video = Path.Combine(directory, $"{id}-{token:N}.mp4");
        var sidecar = Path.Combine(directory, $"{id}-{token:N}.json");
        await File.WriteAllBytesAsync(video, new byte[1234], TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(sidecar, "{}", TestContext.Current.CancellationToken);
        return await artifacts.UploadAsync(new ArtifactUpload("tenant-0", id, token, video, sidecar, null), TestContext.Current.CancellationToken);
    }
}
