using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using TurboDiffusion.Cli.Farm;
using TurboDiffusion.Client;
using TurboDiffusion.Client.Models;
using TurboDiffusion.Engine;

namespace TurboDiffusion.Cli.Benchmarks;

/// <summary>What <c>turbo bench worker</c> renders, and with which settings of Turbo:Worker:OverlapUploads.</summary>
public sealed record WorkerBenchmarkSettings(string Model, JobResolution Resolution, int Frames, int Steps, int Jobs, IReadOnlyList<bool> Overlap);

/// <summary>
/// One worker's steady state with one setting: <paramref name="Jobs"/> jobs queued at once on a warm worker, from their
/// submission to the last success; the engine's share of that time (lease to upload start, summed over the jobs, the
/// engine being one) and the upload and completion time after it.
/// </summary>
public sealed record WorkerBenchmarkRow(bool Overlap, int Jobs, double WallSeconds, double VideosPerMinute, double RenderSeconds, double FinishSeconds, double EngineBusyShare);

/// <summary>
/// The all-in-one farm with one GPU worker on the real engine, a fresh farm per setting: one job to load the model,
/// then <see cref="WorkerBenchmarkSettings.Jobs"/> jobs at once through the SDK, each with its own seed (nothing is
/// answered from an earlier render), artifacts in a local folder.
/// </summary>
public static class WorkerBenchmark
{
    public static async Task<IReadOnlyList<WorkerBenchmarkRow>> RunAsync(WorkerBenchmarkSettings settings, Func<IVideoEngine> engine, TextWriter log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var rows = new List<WorkerBenchmarkRow>();
        foreach (var overlap in settings.Overlap)
        {
            var scratch = Directory.CreateTempSubdirectory("turbo-bench-worker-").FullName;
            try
            {
                var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
                {
                    ["Turbo:Worker:OverlapUploads"] = overlap ? "true" : "false",
                    ["Turbo:Worker:Preload:0"] = settings.Model,
                    // A folder of its own: a worker clears its folder when it starts, and another farm on this host may share the default.
                    ["Turbo:Worker:WorkDirectory"] = Path.Combine(scratch, "work"),
                }).Build();
                await using var farm = await FarmHost.StartAsync(configuration,
                    new FarmHostSettings(FarmRole.All, engine, Port: 0, FreeClusterPorts: true, ArtifactsDirectory: Path.Combine(scratch, "artifacts"), Private: true, AdmitModels: [settings.Model]),
                    cancellationToken).ConfigureAwait(false);
                using var client = new TurboFarmClient(new TurboClientOptions { BaseAddress = farm.Address });
                log.WriteLine($"overlap {(overlap ? "on" : "off")}: warming the worker with one job ...");
                await RenderAsync(client, settings, 1, seedBase: 0, cancellationToken).ConfigureAwait(false);
                log.WriteLine($"overlap {(overlap ? "on" : "off")}: {settings.Jobs} jobs ...");
                var clock = Stopwatch.StartNew();
                var jobs = await RenderAsync(client, settings, settings.Jobs, seedBase: 1, cancellationToken).ConfigureAwait(false);
                var wall = jobs.Max(j => j.Timings.FinishedAt!.Value) - jobs.Min(j => j.Timings.SubmittedAt);
                var render = jobs.Sum(j => (j.Timings.UploadStartedAt!.Value - j.Timings.LeasedAt!.Value).TotalSeconds);
                var finish = jobs.Sum(j => (j.Timings.FinishedAt!.Value - j.Timings.UploadStartedAt!.Value).TotalSeconds);
                rows.Add(new WorkerBenchmarkRow(overlap, jobs.Count, wall.TotalSeconds, jobs.Count / wall.TotalMinutes, render, finish, render / wall.TotalSeconds));
                log.WriteLine($"overlap {(overlap ? "on" : "off")}: {jobs.Count} videos in {clock.Elapsed.TotalSeconds:F1} s");
            }
            finally
            {
                Directory.Delete(scratch, recursive: true);
            }
        }

        return rows;
    }

    /// <exception cref="InvalidOperationException">A job did not succeed: the benchmark measures only successful renders.</exception>
    private static async Task<IReadOnlyList<JobView>> RenderAsync(TurboFarmClient client, WorkerBenchmarkSettings settings, int count, int seedBase, CancellationToken cancellationToken)
    {
        var submitted = new List<JobView>();
        for (var i = 0; i < count; i++)
        {
            var request = new JobRequest
            {
                Prompt = $"a red fox running through fresh snow, take {seedBase + i}", Model = settings.Model, Resolution = settings.Resolution,
                Frames = settings.Frames, Steps = settings.Steps, Seed = seedBase + i, Dedupe = false,
            };
            submitted.Add(await client.SubmitAsync(request, $"bench-worker-{Guid.NewGuid():N}", cancellationToken).ConfigureAwait(false));
        }

        var finished = new List<JobView>();
        foreach (var job in submitted)
        {
            var latest = job;
            while (!latest.IsFinished)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken).ConfigureAwait(false);
                latest = await client.GetAsync(job.Id, cancellationToken).ConfigureAwait(false);
            }

            if (latest.Status != JobStatus.Succeeded)
            {
                throw new InvalidOperationException($"job {latest.Id} ended {WireNames.Of(latest.Status)}: {latest.Failure?.Message}");
            }

            finished.Add(latest);
        }

        return finished;
    }
}
