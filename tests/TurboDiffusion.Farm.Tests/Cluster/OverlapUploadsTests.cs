using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Farm.Stores;
using TurboDiffusion.Farm.Stores.Local;
using TurboDiffusion.Farm.Tests.Support;
using TurboDiffusion.Silo.Simulation;

namespace TurboDiffusion.Farm.Tests.Cluster;

/// <summary>A worker renders the next job while the last one's files upload (Turbo:Worker:OverlapUploads).</summary>
[Collection(MultiSiloGroup.Name)]
public sealed class OverlapUploadsTests
{
    private static readonly TimeSpan SlowUpload = TimeSpan.FromSeconds(1);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task The_next_job_renders_while_the_last_ones_files_upload_only_when_overlap_is_on(bool overlap)
    {
        await using var farm = await StartAsync(overlap, _ => Task.Delay(SlowUpload));
        var jobs = new List<JobState>();
        for (var i = 0; i < 3; i++)
        {
            jobs.Add(await farm.SubmitAsync(Specs.Job(key: $"overlap-{overlap}-{i}")));
        }

        var done = new List<JobState>();
        foreach (var job in jobs)
        {
            done.Add(await farm.WaitForStatusAsync(job.JobId, JobStatus.Succeeded));
        }

        var ordered = done.OrderBy(j => j.Timings.LeasedAt).ToList();
        for (var i = 1; i < ordered.Count; i++)
        {
            var (last, next) = (ordered[i - 1], ordered[i]);
            Assert.Single(next.Attempts);
            Assert.Equal(overlap, next.Timings.StartedAt < last.Timings.FinishedAt);
        }
    }

    [Fact]
    public async Task With_an_engine_free_once_its_steps_are_done_the_next_job_denoises_while_the_last_one_decodes()
    {
        await using var farm = await TestFarm.StartAsync(1, _ => new SimulatedVideoEngine
        {
            StepTime = TimeSpan.FromMilliseconds(50), DecodeTime = TimeSpan.FromSeconds(2), OverlapDecode = true,
        });
        var first = await farm.SubmitAsync(Specs.Job(key: "decoding", steps: 2));
        var second = await farm.SubmitAsync(Specs.Job(key: "denoising-beside-it", steps: 2));

        var firstDone = await farm.WaitForStatusAsync(first.JobId, JobStatus.Succeeded);
        var secondDone = await farm.WaitForStatusAsync(second.JobId, JobStatus.Succeeded);

        // The first job's upload begins after its 2 s decode; the second was leased and started well before.
        Assert.True(secondDone.Timings.StartedAt < firstDone.Timings.UploadStartedAt, "the second job waited for the first one's decode");
        Assert.Equal([AttemptOutcome.Succeeded], firstDone.Attempts.Select(a => a.Outcome));
        Assert.Equal([AttemptOutcome.Succeeded], secondDone.Attempts.Select(a => a.Outcome));
    }

    [Fact]
    public async Task A_failed_upload_beside_the_next_render_hands_its_job_back_and_leaves_the_next_job_alone()
    {
        var uploads = 0;
        await using var farm = await StartAsync(overlap: true, async upload =>
        {
            await Task.Delay(SlowUpload);
            if (Interlocked.Increment(ref uploads) == 1)
            {
                throw new ArtifactStoreException("blob://artifacts", "the blob service did not answer");
            }
        });
        var first = await farm.SubmitAsync(Specs.Job(key: "failing-upload"));
        await farm.WaitForStatusAsync(first.JobId, JobStatus.Uploading);
        var second = await farm.SubmitAsync(Specs.Job(key: "beside-it"));

        var firstDone = await farm.WaitForStatusAsync(first.JobId, JobStatus.Succeeded);
        var secondDone = await farm.WaitForStatusAsync(second.JobId, JobStatus.Succeeded);

        Assert.Equal([AttemptOutcome.StorageError, AttemptOutcome.Succeeded], firstDone.Attempts.Select(a => a.Outcome));
        Assert.Equal([AttemptOutcome.Succeeded], secondDone.Attempts.Select(a => a.Outcome));
        Assert.True(secondDone.Timings.StartedAt < firstDone.Attempts[0].EndedAt, "the second job did not render beside the first one's upload");
    }

    [Fact]
    public async Task Uploads_failing_in_a_row_beside_the_next_renders_still_take_the_worker_out_until_its_preflight_passes()
    {
        await using var farm = await StartAsync(overlap: true, async _ =>
        {
            await Task.Delay(SlowUpload);
            throw new ArtifactStoreException("blob://artifacts", "the blob service did not answer");
        }, new Dictionary<string, string?>
        {
            ["Turbo:Worker:UnreadyAfterWorkerFaults"] = "2",
            ["Turbo:Worker:PreflightRetryInterval"] = "00:10:00",
        });
        for (var i = 0; i < 4; i++)
        {
            await farm.SubmitAsync(Specs.Job(key: $"no-store-{i}"));
        }

        WorkerInfo? report = null;
        await TestFarm.WaitUntilAsync(async () =>
        {
            report = Assert.Single(await farm.Client.GetGrain<IWorkerRegistryGrain>("default").List());
            return report.State == WorkerState.Unready;
        }, "the worker to report unready");
        // The registry must keep saying so while nothing changes, not flip back to idle.
        await Task.Delay(TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken);
        report = Assert.Single(await farm.Client.GetGrain<IWorkerRegistryGrain>("default").List());

        Assert.Equal(WorkerState.Unready, report.State);
        // The job leased while the second upload was failing fails its own upload too: one more than the limit at most.
        Assert.Matches("^[23] jobs in a row failed on this worker's machine", report.Health);
    }

    private static Task<TestFarm> StartAsync(bool overlap, Func<ArtifactUpload, Task> beforeUpload, Dictionary<string, string?>? settings = null) =>
        TestFarm.StartAsync(1, _ => new SimulatedVideoEngine { StepTime = TimeSpan.FromMilliseconds(100) },
            new Dictionary<string, string?>(settings ?? []) { ["Turbo:Worker:OverlapUploads"] = overlap ? "true" : "false" },
            configureSilo: silo => silo.Services.Replace(ServiceDescriptor.Singleton<IArtifactStore>(services =>
                UploadHook.Wrap(ActivatorUtilities.CreateInstance<LocalArtifactStore>(services), beforeUpload))));
}
