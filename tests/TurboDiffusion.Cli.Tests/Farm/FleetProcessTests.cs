using TurboDiffusion.Client;
using TurboDiffusion.Client.Models;

namespace TurboDiffusion.Cli.Tests.Farm;

/// <summary>
/// The farm as it is deployed: two <c>turbo silo</c> processes and a <c>turbo gateway</c> process, real Redis and
/// Azurite, silos killed with SIGKILL and stopped with SIGTERM in the middle of a render.
/// </summary>
public sealed class FleetProcessTests
{
    /// <summary>
    /// A killed silo's job is back in the queue once its lease expires (Turbo:Lease:Duration, 10 s here) or the
    /// membership service declares the silo dead, whichever is first, plus one sweep (1 s) of the scheduler; the
    /// margin covers the scheduler's own turn on two busy cores.
    /// </summary>
    private static readonly TimeSpan RequeueBound = Fleet.LeaseDuration + TimeSpan.FromSeconds(6);

    [Fact]
    public async Task Every_job_succeeds_exactly_once_when_a_silo_is_killed_mid_render()
    {
        await using var fleet = new Fleet();
        var siloA = fleet.StartSilo("silo-a");
        fleet.StartSilo("silo-b");
        fleet.StartGateway();
        await fleet.WaitForIdleWorkersAsync(["silo-a", "silo-b"], TimeSpan.FromMinutes(3));

        var submitted = await fleet.SubmitAsync(20, "kill");
        await fleet.EventuallyAsync(async () =>
        {
            var jobs = await Task.WhenAll(submitted.Select(j => fleet.Client.GetAsync(j.Id)));
            var finishedOnA = jobs.Any(j => j.Status == JobStatus.Succeeded && j.Attempts.Any(a => a.WorkerId == "silo-a"));
            return finishedOnA && jobs.Any(j => j.Status == JobStatus.Running && j.Progress is not null && j.Attempts.Count > 0 && j.Attempts[^1] is { WorkerId: "silo-a", EndedAt: null });
        }, TimeSpan.FromMinutes(3), "silo-a rendering its second job");
        var killedAt = DateTimeOffset.UtcNow;
        siloA.KillHard();

        var finished = await fleet.WaitForFinishedAsync(submitted, TimeSpan.FromMinutes(5));

        Assert.All(finished, j => Assert.True(j.Status == JobStatus.Succeeded, $"{j.Id} is {j.Status}: {j.Failure?.Message}\n{fleet.Logs()}"));
        Assert.All(finished, j => Assert.Single(j.Attempts, a => a.Outcome == "succeeded"));
        Assert.Contains(finished, j => j.Attempts.Any(a => a.WorkerId == "silo-a" && a.Outcome == "succeeded"));
        Assert.Contains(finished, j => j.Attempts.Any(a => a.WorkerId == "silo-b" && a.Outcome == "succeeded"));
        var lost = finished.SelectMany(j => j.Attempts.Where(a => a.WorkerId == "silo-a" && a.Outcome != "succeeded").Select(a => (Job: j, Attempt: a))).ToList();
        var (victim, lostAttempt) = Assert.Single(lost);
        Assert.True(lostAttempt.Outcome is "silo_lost" or "lease_expired", $"the killed silo's attempt ended {lostAttempt.Outcome}");
        Assert.True(lostAttempt.EndedAt - killedAt <= RequeueBound, $"requeued {(lostAttempt.EndedAt - killedAt)?.TotalSeconds:0.0} s after the kill; bound {RequeueBound.TotalSeconds} s");
        Assert.Equal("silo-b", victim.Attempts.Single(a => a.Outcome == "succeeded").WorkerId);
        foreach (var job in finished)
        {
            using var video = new MemoryStream();
            using var sidecar = new MemoryStream();
            await fleet.Client.DownloadAsync(job.Id, video, cancellationToken: TestContext.Current.CancellationToken);
            await fleet.Client.DownloadAsync(job.Id, sidecar, ArtifactFile.Sidecar, TestContext.Current.CancellationToken);
            Assert.Equal(job.Artifact!.Bytes, video.Length + sidecar.Length);
            Assert.Equal("ftyp"u8.ToArray(), video.ToArray()[4..8]);
        }
    }

    [Fact]
    public async Task A_silo_killed_while_it_decodes_one_job_beside_the_next_loses_neither()
    {
        await using var fleet = new Fleet(new Dictionary<string, string> { ["Turbo__Engine__OverlapDecode"] = "on" });
        var siloA = fleet.StartSilo("silo-a");
        fleet.StartGateway();
        await fleet.WaitForIdleWorkersAsync(["silo-a"], TimeSpan.FromMinutes(3));

        var submitted = await fleet.SubmitAsync(4, "beside");
        await fleet.EventuallyAsync(async () =>
        {
            var open = (await Task.WhenAll(submitted.Select(j => fleet.Client.GetAsync(j.Id))))
                .Where(j => j.Attempts.Count > 0 && j.Attempts[^1] is { WorkerId: "silo-a", EndedAt: null }).ToList();
            return open.Count == 2 && open.Any(j => j.Progress?.Stage == "decoding");
        }, TimeSpan.FromMinutes(3), "silo-a holding two jobs, one decoding beside the other");
        siloA.KillHard();
        fleet.StartSilo("silo-b");

        var finished = await fleet.WaitForFinishedAsync(submitted, TimeSpan.FromMinutes(5));

        Assert.All(finished, j => Assert.True(j.Status == JobStatus.Succeeded, $"{j.Id} is {j.Status}: {j.Failure?.Message}\n{fleet.Logs()}"));
        Assert.All(finished, j => Assert.Single(j.Attempts, a => a.Outcome == "succeeded"));
        var lost = finished.SelectMany(j => j.Attempts.Where(a => a.WorkerId == "silo-a" && a.Outcome != "succeeded")).ToList();
        Assert.Equal(2, lost.Count);
        Assert.All(lost, a => Assert.True(a.Outcome is "silo_lost" or "lease_expired", $"the killed silo's attempt ended {a.Outcome}"));
    }

    [Fact]
    public async Task A_silo_stopped_with_sigterm_mid_render_hands_its_job_on_and_exits_within_its_grace()
    {
        await using var fleet = new Fleet();
        var siloA = fleet.StartSilo("silo-a");
        fleet.StartGateway();
        await fleet.WaitForIdleWorkersAsync(["silo-a"], TimeSpan.FromMinutes(3));
        var submitted = await fleet.SubmitAsync(3, "term");
        await fleet.EventuallyAsync(async () => (await fleet.Client.GetWorkersAsync()).Any(w => w.Id == "silo-a" && w.CurrentJob is not null),
            TimeSpan.FromMinutes(2), "silo-a rendering");

        var stopping = DateTimeOffset.UtcNow;
        siloA.Terminate();
        var readiness = await ReadinessUntilExitAsync(siloA);
        var exited = await siloA.WaitForExitAsync(Fleet.DrainGracePeriod + TimeSpan.FromSeconds(30));
        var stopTime = DateTimeOffset.UtcNow - stopping;
        fleet.StartSilo("silo-c");
        var finished = await fleet.WaitForFinishedAsync(submitted, TimeSpan.FromMinutes(4));

        Assert.True(exited, $"silo-a had not exited {stopTime.TotalSeconds:0} s after SIGTERM\n{fleet.Logs()}");
        Assert.Contains(readiness, r => r.StartsWith("503 ", StringComparison.Ordinal) && r.Contains("draining", StringComparison.Ordinal));
        Assert.DoesNotContain(readiness, r => r.StartsWith("200 ", StringComparison.Ordinal));
        Assert.Equal(0, siloA.ExitCode);
        Assert.All(finished, j => Assert.Equal(JobStatus.Succeeded, j.Status));
        Assert.All(finished, j => Assert.Single(j.Attempts, a => a.Outcome == "succeeded"));
        Assert.All(finished.SelectMany(j => j.Attempts).Where(a => a.WorkerId == "silo-a"), a => Assert.True(a.Outcome is "succeeded" or "drain", $"silo-a's attempt ended {a.Outcome}"));
        Assert.Contains(finished, j => j.Attempts.Any(a => a.WorkerId == "silo-c" && a.Outcome == "succeeded"));
    }

    [Fact]
    public async Task A_job_whose_silo_is_killed_mid_denoise_resumes_on_another_from_its_last_step_with_the_same_video_bytes()
    {
        await using var fleet = new Fleet();
        var siloA = fleet.StartSilo("silo-a");
        fleet.StartGateway();
        await fleet.WaitForIdleWorkersAsync(["silo-a"], TimeSpan.FromMinutes(3));
        var request = new JobRequest
        {
            Prompt = "a heron lands on a pier", Model = "tiny", Resolution = JobResolution.P480, Frames = 5, Steps = 4, Seed = 2026, Dedupe = false,
        };
        var interrupted = await fleet.Client.SubmitAsync(request, $"resume-{Guid.NewGuid():N}", TestContext.Current.CancellationToken);
        await fleet.EventuallyAsync(async () => (await fleet.Client.GetAsync(interrupted.Id)).Progress is { Stage: "denoising", Done: >= 2 },
            TimeSpan.FromMinutes(2), "2 denoising steps done on silo-a");

        siloA.KillHard();
        var siloB = fleet.StartSilo("silo-b");
        var resumed = Assert.Single(await fleet.WaitForFinishedAsync([interrupted], TimeSpan.FromMinutes(4)));
        var whole = Assert.Single(await fleet.WaitForFinishedAsync([await fleet.Client.SubmitAsync(request, $"whole-{Guid.NewGuid():N}", TestContext.Current.CancellationToken)], TimeSpan.FromMinutes(4)));

        Assert.True(resumed.Status == JobStatus.Succeeded, $"{resumed.Id} is {resumed.Status}: {resumed.Failure?.Message}\n{fleet.Logs()}");
        Assert.Equal(JobStatus.Succeeded, whole.Status);
        Assert.Equal(["silo-a", "silo-b"], resumed.Attempts.Select(a => a.WorkerId));
        Assert.Equal(await VideoBytesAsync(fleet, whole), await VideoBytesAsync(fleet, resumed));
        var metrics = await MetricsAsync(siloB);
        Assert.Equal(1, Counter(metrics, "turbo_resumes_total"));
        Assert.True(Counter(metrics, "turbo_resume_gpu_seconds_saved_total") > 0, metrics);
    }

    [Fact]
    public async Task A_held_batch_survives_kill_9_of_its_silo_and_gateway_and_runs_in_upload_order_exactly_once()
    {
        await using var fleet = new Fleet(new Dictionary<string, string> { ["Turbo__Admission__MaxQueuedPerTenant"] = "2" });
        var siloA = fleet.StartSilo("silo-a");
        var gateway = fleet.StartGateway();
        await fleet.WaitForIdleWorkersAsync(["silo-a"], TimeSpan.FromMinutes(3));
        var shots = Enumerable.Range(0, 6).Select(i => new JobRequest { Prompt = $"held {i}: a kite over dunes", Model = "tiny", Frames = 5, Steps = 2, Dedupe = false });
        var batch = await fleet.Client.SubmitBatchAsync(shots.ToAsyncEnumerable(), $"held-{Guid.NewGuid():N}", TestContext.Current.CancellationToken);
        Assert.InRange(batch.CountOf(JobStatus.Held), 2, 4);
        await fleet.EventuallyAsync(async () => (await fleet.Client.GetBatchAsync(batch.Id)).Finished >= 1 && await RunningAsync(fleet, batch.Id),
            TimeSpan.FromMinutes(2), "the batch's first job done and the next one rendering");

        siloA.KillHard();
        gateway.KillHard();
        fleet.StartSilo("silo-b");
        fleet.StartGateway();
        await fleet.EventuallyAsync(async () => (await fleet.Client.GetBatchAsync(batch.Id)).IsFinished, TimeSpan.FromMinutes(4), "the batch finished");
        var jobs = new List<JobView>();
        await foreach (var job in fleet.Client.StreamBatchJobsAsync(batch.Id, cancellationToken: TestContext.Current.CancellationToken))
        {
            jobs.Add(job);
        }

        Assert.Equal(6, jobs.Count);
        Assert.All(jobs, j => Assert.True(j.Status == JobStatus.Succeeded, $"{j.Id} is {j.Status}: {j.Failure?.Message}\n{fleet.Logs()}"));
        Assert.All(jobs, j => Assert.Single(j.Attempts, a => a.Outcome == "succeeded"));
        Assert.Contains(jobs, j => j.Attempts.Any(a => a.WorkerId == "silo-a" && a.Outcome is "silo_lost" or "lease_expired"));
        Assert.Equal(jobs.Select(j => j.Id), jobs.OrderBy(j => j.Attempts[0].LeasedAt).Select(j => j.Id));
    }

    private static async Task<bool> RunningAsync(Fleet fleet, string batchId)
    {
        var page = await fleet.Client.ListBatchJobsAsync(batchId, cursor: null, limit: 10);
        return page.Items.Any(j => j.Status == JobStatus.Running);
    }

    private static async Task<byte[]> VideoBytesAsync(Fleet fleet, JobView job)
    {
        using var video = new MemoryStream();
        await fleet.Client.DownloadAsync(job.Id, video, cancellationToken: TestContext.Current.CancellationToken);
        return video.ToArray();
    }

    private static async Task<string> MetricsAsync(FarmProcessHandle silo)
    {
        using var http = new HttpClient { BaseAddress = silo.Http };
        return await http.GetStringAsync(new Uri("metrics", UriKind.Relative), TestContext.Current.CancellationToken);
    }

    /// <summary>The sum of a counter's samples over its labels in a Prometheus text exposition.</summary>
    private static double Counter(string exposition, string name) => exposition.Split('\n')
        .Where(line => line.StartsWith(name + "{", StringComparison.Ordinal) || line.StartsWith(name + " ", StringComparison.Ordinal))
        .Sum(line => double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>The silo's readiness answers ("503 {...}") from SIGTERM until it stops serving HTTP.</summary>
    private static async Task<List<string>> ReadinessUntilExitAsync(FarmProcessHandle silo)
    {
        using var http = new HttpClient { BaseAddress = silo.Http, Timeout = TimeSpan.FromSeconds(2) };
        var answers = new List<string>();
        var deadline = DateTime.UtcNow + Fleet.DrainGracePeriod + TimeSpan.FromSeconds(30);
        while (!silo.HasExited && DateTime.UtcNow < deadline)
        {
            try
            {
                using var response = await http.GetAsync(new Uri("health/ready", UriKind.Relative));
                answers.Add($"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                break;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200));
        }

        return answers;
    }
}
