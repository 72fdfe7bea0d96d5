using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.TestingHost;
using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Farm.Hosting;
using TurboDiffusion.Farm.Options;
using TurboDiffusion.Farm.Stores;
using TurboDiffusion.Silo.Hosting;
using TurboDiffusion.Silo.Simulation;

namespace TurboDiffusion.FarmBench;

/// <summary>
/// The farm benchmark: an in-process cluster (Orleans TestingHost, in-memory transport) of silos sharing one job
/// store (in memory, or the configured Redis), each with a GPU worker around a <see cref="SimulatedVideoEngine"/> that renders in no time, so what is
/// measured is the farm: admission, scheduling, leases, state writes and artifact commits.
/// </summary>
internal sealed class FarmBench(FarmBenchSettings settings, IConfiguration configuration, Action<string> say)
{
    private const string ProbePrompt = "kill probe: hold the worker until its silo is killed";

    /// <summary>How long the bench waits for the farm before calling it stuck.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(5);

    private volatile bool holdProbe;

    public async Task<FarmBenchResult> RunAsync(CancellationToken cancellationToken)
    {
        var root = Directory.CreateTempSubdirectory("turbo-bench-farm-").FullName;
        var timings = new CallTimings();
        await using var jobState = await BenchJobState.OpenAsync(settings.Store, configuration);
        var store = jobState.Store;
        var clock = Stopwatch.StartNew();
        var cluster = BuildCluster(root, timings, store);
        try
        {
            say($"starting {settings.Silos} silos ...");
            await cluster.DeployAsync(cancellationToken);
            var startSeconds = clock.Elapsed.TotalSeconds;

            say($"submitting {settings.Jobs} jobs ...");
            var (jobIds, submitCalls, submitSeconds) = await SubmitAsync(cluster.Client, cancellationToken);
            say("waiting for every job to finish ...");
            var completionSeconds = submitSeconds + await WaitForAllAsync(cluster.Client, jobIds.Count, cancellationToken);
            var finished = await store.GetManyAsync(jobIds, cancellationToken);
            var succeeded = finished.Count(j => j.Status == JobStatus.Succeeded);
            var leaseCall = LatencySummary.Of(timings.LeaseCalls);
            var perJob = LatencySummary.Of(timings.PerJob);

            var kills = new List<KillMeasurement>();
            for (var k = 0; k < settings.Kills; k++)
            {
                say($"kill {k + 1} of {settings.Kills} ...");
                kills.Add(await KillOneAsync(cluster, store, cancellationToken));
            }

            var lease = configuration.GetSection(LeaseOptions.Section).Get<LeaseOptions>() ?? new LeaseOptions();
            return new FarmBenchResult(
                settings,
                Machine(),
                startSeconds,
                submitSeconds,
                settings.Jobs / submitSeconds,
                LatencySummary.Of(submitCalls),
                completionSeconds,
                succeeded / completionSeconds,
                succeeded,
                leaseCall,
                perJob,
                kills,
                string.Create(CultureInfo.InvariantCulture, $"{lease.Duration.TotalSeconds:0.#} s (Turbo:Lease:Duration), membership probes at Orleans defaults"));
        }
        finally
        {
            await cluster.StopAllSilosAsync(CancellationToken.None);
            await cluster.DisposeAsync();
            Directory.Delete(root, recursive: true);
        }
    }

    private InProcessTestCluster BuildCluster(string root, CallTimings timings, IJobStore store)
    {
        var overrides = new Dictionary<string, string?>
        {
            ["Turbo:Worker:WorkDirectory"] = Path.Combine(root, "work"),
            ["Turbo:Artifacts:Directory"] = Path.Combine(root, "artifacts"),
            ["Turbo:Admission:MaxQueuedPerPool"] = Math.Max(settings.Jobs, AdmissionOptions.DefaultMaxQueuedPerPool).ToString(CultureInfo.InvariantCulture),
            ["Turbo:Admission:MaxQueuedPerTenant"] = Math.Max(settings.Jobs, AdmissionOptions.DefaultMaxQueuedPerTenant).ToString(CultureInfo.InvariantCulture),
        };
        var builder = new InProcessTestClusterBuilder((short)settings.Silos);
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureHost(host => host.Configuration.AddConfiguration(configuration).AddInMemoryCollection(overrides));
        builder.ConfigureSilo((_, silo) =>
        {
            silo.Services.AddSingleton(Prometheus.Metrics.NewCustomRegistry());
            silo.Services.AddTurboFarm();
            silo.Services.Replace(ServiceDescriptor.Singleton(store));
            silo.AddOutgoingGrainCallFilter(timings);
        });
        builder.ConfigureSiloHost((_, host) => host.Services.AddGpuWorker(_ => new SimulatedVideoEngine
        {
            Behavior = (request, _) => request.Prompt == ProbePrompt && holdProbe ? SimulatedBehavior.Hang : SimulatedBehavior.Succeed,
        }));
        return builder.Build();
    }

    private async Task<(List<string> JobIds, List<TimeSpan> Calls, double Seconds)> SubmitAsync(IClusterClient client, CancellationToken cancellationToken)
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var priorities = Enum.GetValues<JobPriority>();
        var calls = new List<TimeSpan>(settings.Jobs);
        var ids = new string[settings.Jobs];
        using var gate = new SemaphoreSlim(settings.Concurrency);
        var clock = Stopwatch.StartNew();
        var submissions = Enumerable.Range(0, settings.Jobs).Select(async i =>
        {
            await gate.WaitAsync(cancellationToken);
            try
            {
                var spec = new JobSpec($"bench shot {i}", $"model-{i % settings.Models}", JobResolution.P480, JobAspect.Landscape16x9, 81, 4, i,
                    priorities[i % priorities.Length], $"tenant-{i % settings.Tenants}", $"bench-{run}-{i}");
                var started = Stopwatch.GetTimestamp();
                ids[i] = (await client.SubmitJobAsync(spec)).EnsureAccepted().JobId;
                var elapsed = Stopwatch.GetElapsedTime(started);
                lock (calls)
                {
                    calls.Add(elapsed);
                }
            }
            finally
            {
                gate.Release();
            }
        });
        await Task.WhenAll(submissions);
        return ([.. ids], calls, clock.Elapsed.TotalSeconds);
    }

    /// <summary>Waits until the pool's scheduler holds neither queued jobs nor leases: every job has ended.</summary>
    private static async Task<double> WaitForAllAsync(IClusterClient client, int jobs, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var scheduler = client.GetGrain<ISchedulerGrain>(new SchedulerOptions().DefaultPool);
        while (true)
        {
            var snapshot = await scheduler.GetSnapshot();
            if (snapshot.Depth == 0 && snapshot.Leased == 0)
            {
                return clock.Elapsed.TotalSeconds;
            }

            if (clock.Elapsed > Patience)
            {
                throw new TimeoutException($"{snapshot.Depth} of {jobs} jobs were still queued and {snapshot.Leased} leased after {Patience.TotalMinutes} minutes: the farm is stuck.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(10), cancellationToken);
        }
    }

    private async Task<KillMeasurement> KillOneAsync(InProcessTestCluster cluster, IJobStore store, CancellationToken cancellationToken)
    {
        holdProbe = true;
        var probe = (await cluster.Client.SubmitJobAsync(new JobSpec(ProbePrompt, "model-0", JobResolution.P480, JobAspect.Landscape16x9, 81, 4, 7, JobPriority.Urgent, "tenant-0"))).EnsureAccepted();
        var running = await WaitAsync(store, probe.JobId, j => j.Status == JobStatus.Running, cancellationToken);
        var victim = cluster.Silos.Single(s => s.Name == running.Lease!.WorkerId);
        var killedAt = DateTimeOffset.UtcNow;
        await cluster.KillSiloAsync(victim, cancellationToken);

        // Released only once its silo is gone: released earlier, a slow kill lets the probe finish first.
        holdProbe = false;
        var requeued = await WaitAsync(store, probe.JobId, j => j.Attempts.Length >= 2, cancellationToken);
        await WaitAsync(store, probe.JobId, j => j.Status == JobStatus.Succeeded, cancellationToken);
        var lost = requeued.Attempts[0];
        var next = requeued.Attempts[1];
        return new KillMeasurement(victim.Name, lost.Outcome?.Label() ?? "unknown", (lost.EndedAt!.Value - killedAt).TotalSeconds, (next.LeasedAt - killedAt).TotalSeconds, next.WorkerId);
    }

    private static async Task<JobState> WaitAsync(IJobStore store, string jobId, Func<JobState, bool> condition, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var job = await store.GetAsync(jobId, cancellationToken);
            if (job is not null && condition(job))
            {
                return job;
            }

            if (clock.Elapsed > Patience)
            {
                throw new TimeoutException($"Kill probe {jobId} stayed {job?.Status} for {Patience.TotalMinutes} minutes: the farm did not requeue it.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(5), cancellationToken);
        }
    }

    private static string Machine() =>
        $"{Environment.ProcessorCount} logical CPUs, {RuntimeInformation.OSDescription.Trim()}, {RuntimeInformation.FrameworkDescription}; no GPU: simulated engine";
}
