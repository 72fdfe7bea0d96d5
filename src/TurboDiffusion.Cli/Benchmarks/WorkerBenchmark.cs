using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using TurboDiffusion.Cli.Farm;
using TurboDiffusion.Client;
using TurboDiffusion.Client.Models;
using TurboDiffusion.Engine;
using TurboDiffusion.Engine.Runtime;

namespace TurboDiffusion.Cli.Benchmarks;

/// <summary>
/// What <c>turbo bench worker</c> renders, and which worker settings it compares: off is the sequential worker (one
/// job's stages strictly in turn), on overlaps the next job's text encoding and denoising with the last one's decode,
/// encode and upload (Turbo:Worker:OverlapUploads with Turbo:Engine:OverlapDecode).
/// </summary>
public sealed record WorkerBenchmarkSettings(string Model, JobResolution Resolution, int Frames, int Steps, int Jobs, IReadOnlyList<bool> Overlap);

/// <summary>
/// One worker's steady state with one setting: <paramref name="Jobs"/> jobs queued at once on a warm worker, from their
/// submission to the last success. <paramref name="StageSeconds"/> is each engine stage's time summed over the jobs
/// (stages of consecutive jobs may have run at once); <paramref name="FinishSeconds"/> the uploads and completions;
/// <paramref name="DenoiseBusyShare"/> the share of the wall time the DiT was at work (text encoding and denoising);
/// <paramref name="ReservedBytes"/> the device memory the allocator held at the end (it keeps what it took, so this is
/// the run's high-water), null without the allocator's counters.
/// </summary>
public sealed record WorkerBenchmarkRow(
    bool Overlap, int Jobs, double WallSeconds, double VideosPerMinute, IReadOnlyDictionary<GenerationStage, double> StageSeconds, double FinishSeconds,
    double DenoiseBusyShare, long? ReservedBytes);

/// <summary>
/// The all-in-one farm with one GPU worker on the real engine, a fresh farm and engine per setting: one job to load
/// the model, then <see cref="WorkerBenchmarkSettings.Jobs"/> jobs at once through the SDK, each with its own seed
/// (nothing is answered from an earlier render), artifacts in a local folder.
/// </summary>
public static class WorkerBenchmark
{
    /// <param name="engine">Builds the engine for a setting: overlapping decodes (true) or not.</param>
    public static async Task<IReadOnlyList<WorkerBenchmarkRow>> RunAsync(
        WorkerBenchmarkSettings settings, Func<bool, IVideoEngine> engine, TextWriter log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(engine);
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
                StageTallyEngine? tally = null;
                await using var farm = await FarmHost.StartAsync(configuration,
                    new FarmHostSettings(FarmRole.All, () => tally = new StageTallyEngine(engine(overlap)), Port: 0, FreeClusterPorts: true,
                        ArtifactsDirectory: Path.Combine(scratch, "artifacts"), Private: true, AdmitModels: [settings.Model]),
                    cancellationToken).ConfigureAwait(false);
                using var client = new TurboFarmClient(new TurboClientOptions { BaseAddress = farm.Address });
                var name = overlap ? "on" : "off";
                log.WriteLine($"overlap {name}: warming the worker with one job ...");
                await RenderAsync(client, settings, 1, seedBase: 0, cancellationToken).ConfigureAwait(false);
                tally!.Reset();
                log.WriteLine($"overlap {name}: {settings.Jobs} jobs ...");
                var clock = Stopwatch.StartNew();
                var jobs = await RenderAsync(client, settings, settings.Jobs, seedBase: 1, cancellationToken).ConfigureAwait(false);
                var wall = (jobs.Max(j => j.Timings.FinishedAt!.Value) - jobs.Min(j => j.Timings.SubmittedAt)).TotalSeconds;
                var finish = jobs.Sum(j => (j.Timings.FinishedAt!.Value - j.Timings.UploadStartedAt!.Value).TotalSeconds);
                var stages = new Dictionary<GenerationStage, double>(tally.Seconds);
                var denoise = stages.GetValueOrDefault(GenerationStage.EncodingText) + stages.GetValueOrDefault(GenerationStage.EncodingImage)
                    + stages.GetValueOrDefault(GenerationStage.Denoising);
                rows.Add(new WorkerBenchmarkRow(overlap, jobs.Count, wall, jobs.Count / (wall / 60), stages, finish, denoise / wall, AllocatorCounters.Read()?.ReservedBytes));
                log.WriteLine($"overlap {name}: {jobs.Count} videos in {clock.Elapsed.TotalSeconds:F1} s");
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
