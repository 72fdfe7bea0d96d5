using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Configuration;
using Orleans.TestingHost;
using Prometheus;
using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Farm.Hosting;
using TurboDiffusion.Farm.Options;
using TurboDiffusion.Farm.Stores;
using TurboDiffusion.Farm.Stores.Local;
using TurboDiffusion.Silo.Hosting;
using TurboDiffusion.Silo.Simulation;

namespace TurboDiffusion.FarmBench;

/// <summary>
/// The farm benchmark: an in-process cluster (Orleans TestingHost, in-memory transport) of silos sharing one job
/// store (in memory, or the configured Redis) and one artifact folder, each with a GPU worker around a
/// <see cref="SimulatedVideoEngine"/>, so what is measured is the farm: admission, scheduling, leases, state writes and
/// artifact commits. With kills, silos are killed and replaced while the workload runs, and the run ends with an
/// audit of every accepted job.
/// </summary>
internal sealed class FarmBench(FarmBenchSettings settings, IConfiguration configuration, Action<string> say)
{
    /// <summary>How long the bench waits for the farm before calling it stuck.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(5);

    /// <summary>Membership probes short enough that a killed silo is declared dead in about a second, as a fleet that cares about requeue time sets them.</summary>
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromMilliseconds(500);

    private const int MissedProbesLimit = 2;

    public async Task<FarmBenchResult> RunAsync(CancellationToken cancellationToken)
    {
        var root = Directory.CreateTempSubdirectory("turbo-bench-farm-").FullName;
        var timings = new CallTimings();
        await using var jobState = await BenchJobState.OpenAsync(settings.Store, configuration);
        var store = jobState.Store;
        var clock = Stopwatch.StartNew();

        // One registry for every silo, replacements included: the fleet's counters outlive the silos killed.
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var engines = new ConcurrentBag<SimulatedVideoEngine>();
        var cluster = BuildCluster(root, timings, store, registry, engines);
        try
        {
            say($"starting {settings.Silos} silos (switch rule {settings.Rule.ToString().ToLowerInvariant()}) ...");
            await cluster.DeployAsync(cancellationToken);
            var startSeconds = clock.Elapsed.TotalSeconds;

            var killer = new SiloKiller(cluster, settings.Kills, settings.KillInterval, say);
            var submitter = new BenchSubmitter(settings, cluster.Client);
            say(settings.Kills == 0
                ? $"submitting {settings.Jobs} jobs ..."
                : $"submitting {settings.Jobs} jobs over {(settings.KillInterval * settings.Kills).TotalSeconds:0} s while {settings.Kills} silos are killed, one every {settings.KillInterval.TotalSeconds:0.#} s ...");
            var submitting = submitter.RunAsync(settings.Kills == 0 ? settings.Arrival : settings.KillInterval * settings.Kills, cancellationToken);
            var killing = killer.RunAsync(() => BusyWorkersAsync(store, cancellationToken), cancellationToken);
            await Task.WhenAll(submitting, killing);
            say("waiting for every job to end ...");
            var finished = await WaitForAllAsync(store, submitter.Accepted, cancellationToken);

            var artifacts = new LocalArtifactStore(Microsoft.Extensions.Options.Options.Create(new LocalArtifactOptions { Directory = Path.Combine(root, "artifacts") }));
            var audit = await FleetAudit.CheckAsync(submitter.Accepted, finished, artifacts, cancellationToken);
            var succeeded = finished.Count(j => j.Status == JobStatus.Succeeded);
            var completionSeconds = finished.Select(j => j.Timings.FinishedAt).OfType<DateTimeOffset>().DefaultIfEmpty(submitter.StartedAt).Max() - submitter.StartedAt;
            var lease = configuration.GetSection(LeaseOptions.Section).Get<LeaseOptions>() ?? new LeaseOptions();
            return new FarmBenchResult(
                settings,
                Machine(),
                startSeconds,
                submitter.Seconds,
                settings.Jobs / submitter.Seconds,
                LatencySummary.Of(submitter.Calls),
                submitter.Retries,
                completionSeconds.TotalSeconds,
                succeeded / Math.Max(completionSeconds.TotalSeconds, 1e-3),
                succeeded,
                LatencySummary.Of(timings.LeaseCalls),
                LatencySummary.Of(timings.PerJob),
                KillReport.Of(killer.Done, finished, await ResumedAsync(registry)),
                audit,
                string.Create(CultureInfo.InvariantCulture, $"{lease.Duration.TotalSeconds:0.#} s (Turbo:Lease:Duration); membership probe timeout {ProbeTimeout.TotalSeconds:0.#} s, dead after {MissedProbesLimit} missed probes"),
                engines.Sum(e => Math.Max(0, e.Loads - 1)),
                LatencySummary.Of([.. finished.Where(j => j.Status == JobStatus.Succeeded && j.Timings.LeasedAt is not null).Select(j => j.Timings.LeasedAt!.Value - j.Timings.SubmittedAt)]),
                await RenderedOnceAsync(registry));
        }
        finally
        {
            await cluster.StopAllSilosAsync(CancellationToken.None);
            await cluster.DisposeAsync();
            Directory.Delete(root, recursive: true);
        }
    }

    private InProcessTestCluster BuildCluster(string root, CallTimings timings, IJobStore store, CollectorRegistry registry, ConcurrentBag<SimulatedVideoEngine> engines)
    {
        var overrides = new Dictionary<string, string?>
        {
            ["Turbo:Worker:WorkDirectory"] = Path.Combine(root, "work"),
            ["Turbo:Artifacts:Directory"] = Path.Combine(root, "artifacts"),
            ["Turbo:Admission:MaxQueuedPerPool"] = Math.Max(settings.Jobs, AdmissionOptions.DefaultMaxQueuedPerPool).ToString(CultureInfo.InvariantCulture),
            ["Turbo:Admission:MaxQueuedPerTenant"] = Math.Max(settings.Jobs, AdmissionOptions.DefaultMaxQueuedPerTenant).ToString(CultureInfo.InvariantCulture),
            ["Turbo:Scheduler:SwitchRule"] = settings.Rule.ToString(),
        };
        var builder = new InProcessTestClusterBuilder((short)settings.Silos);
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureHost(host => host.Configuration.AddConfiguration(configuration).AddInMemoryCollection(overrides));
        builder.ConfigureSilo((_, silo) =>
        {
            silo.Configure<ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = ProbeTimeout;
                o.NumMissedProbesLimit = MissedProbesLimit;
                o.NumVotesForDeathDeclaration = 1;
            });
            silo.Services.AddSingleton(registry);
            silo.Services.AddTurboFarm();
            silo.Services.Replace(ServiceDescriptor.Singleton(store));
            silo.AddOutgoingGrainCallFilter(timings);
        });
        var stepTime = settings.RenderTime / BenchSubmitter.Steps;
        var loads = settings.ModelLoads();

        // One resident model per worker, so every load is a switch away from another model (after the worker's first).
        builder.ConfigureSiloHost((_, host) => host.Services.AddGpuWorker(_ =>
        {
            var engine = new SimulatedVideoEngine { StepTime = stepTime, MaxResidentModels = 1, LoadTimes = loads };
            engines.Add(engine);
            return engine;
        }));
        return builder.Build();
    }

    /// <summary>The fleet's turbo_resumes_total and turbo_resume_gpu_seconds_saved_total, summed over pools.</summary>
    private static async Task<ResumeSavings> ResumedAsync(CollectorRegistry registry)
    {
        var sum = await CountersAsync(registry);
        return new ResumeSavings((int)sum("turbo_resumes_total"), sum("turbo_resume_gpu_seconds_saved_total"));
    }

    /// <summary>The fleet's turbo_dedupe_hits_total and turbo_dedupe_gpu_seconds_saved_total, summed over pools.</summary>
    private static async Task<RenderOnceSavings> RenderedOnceAsync(CollectorRegistry registry)
    {
        var sum = await CountersAsync(registry);
        return new RenderOnceSavings((int)sum("turbo_dedupe_hits_total"), sum("turbo_dedupe_gpu_seconds_saved_total"));
    }

    /// <summary>Reads the registry once; the function sums a counter's series over their labels.</summary>
    private static async Task<Func<string, double>> CountersAsync(CollectorRegistry registry)
    {
        using var text = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(text);
        var lines = System.Text.Encoding.UTF8.GetString(text.ToArray()).Split('\n');
        return name => lines
            .Where(l => l.StartsWith(name + "{", StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
    }

    /// <summary>The workers holding a job now, from the leases in the job store.</summary>
    private static async Task<IReadOnlySet<string>> BusyWorkersAsync(IJobStore store, CancellationToken cancellationToken)
    {
        var active = await store.ListActiveAsync(new SchedulerOptions().DefaultPool, cancellationToken);
        return active.Where(j => j.Lease is not null).Select(j => j.Lease!.WorkerId).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Polls the store until every accepted job has ended; only jobs not yet seen ending are read again.</summary>
    private static async Task<IReadOnlyList<JobState>> WaitForAllAsync(IJobStore store, IReadOnlyList<string> accepted, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var ended = new List<JobState>(accepted.Count);
        var pending = accepted.ToList();
        while (true)
        {
            var states = new List<JobState>(pending.Count);
            foreach (var chunk in pending.Chunk(1000))
            {
                states.AddRange(await store.GetManyAsync(chunk, cancellationToken));
            }

            ended.AddRange(states.Where(j => j.Status.IsTerminal()));
            pending = [.. states.Where(j => !j.Status.IsTerminal()).Select(j => j.JobId)];
            if (pending.Count == 0 || clock.Elapsed > Patience)
            {
                // Jobs still open after the patience are reported as lost by the audit, which names them.
                return [.. ended, .. states.Where(j => !j.Status.IsTerminal())];
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
        }
    }

    private static string Machine() =>
        $"{Environment.ProcessorCount} logical CPUs, {RuntimeInformation.OSDescription.Trim()}, {RuntimeInformation.FrameworkDescription}; no GPU: simulated engine";
}
