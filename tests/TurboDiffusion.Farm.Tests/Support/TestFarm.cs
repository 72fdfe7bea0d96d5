using System.Collections.Concurrent;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Configuration;
using Orleans.TestingHost;
using Prometheus;
using TurboDiffusion.Engine;
using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Farm.Hosting;
using TurboDiffusion.Farm.Progress;
using TurboDiffusion.Farm.Stores;
using TurboDiffusion.Farm.Stores.InMemory;
using TurboDiffusion.Farm.Stores.Local;
using TurboDiffusion.Silo.Hosting;
using TurboDiffusion.Silo.Simulation;

namespace TurboDiffusion.Farm.Tests.Support;

/// <summary>
/// A farm in a box: several in-process silos (Orleans TestingHost) sharing one in-memory job store, one progress
/// log and one artifact directory, each with a GPU worker around a <see cref="SimulatedVideoEngine"/>. Leases,
/// heartbeats and membership probes are shortened so failures are detected in seconds.
/// </summary>
internal sealed class TestFarm : IAsyncDisposable
{
    private readonly string root;

    private readonly ConcurrentDictionary<string, IVideoEngine> engines;

    private TestFarm(InProcessTestCluster cluster, IJobStore store, InMemoryProgressLog progress, CollectorRegistry registry, string root, ConcurrentDictionary<string, IVideoEngine> engines)
    {
        Cluster = cluster;
        Store = store;
        Progress = progress;
        Registry = registry;
        this.root = root;
        this.engines = engines;
        ArtifactsDirectory = Path.Combine(root, "artifacts");
        Artifacts = new LocalArtifactStore(Microsoft.Extensions.Options.Options.Create(new LocalArtifactOptions { Directory = ArtifactsDirectory }));
    }

    public InProcessTestCluster Cluster { get; }

    public IClusterClient Client => Cluster.Client;

    public IJobStore Store { get; }

    public InMemoryProgressLog Progress { get; }

    public CollectorRegistry Registry { get; }

    public IArtifactStore Artifacts { get; }

    /// <summary>The local artifact directory every silo shares.</summary>
    public string ArtifactsDirectory { get; }

    /// <summary>The simulated engine of each silo, by silo name (= worker id).</summary>
    public IReadOnlyDictionary<string, SimulatedVideoEngine> Engines =>
        engines.Where(e => e.Value is SimulatedVideoEngine).ToDictionary(e => e.Key, e => (SimulatedVideoEngine)e.Value, StringComparer.Ordinal);

    /// <summary>The engine of the silo named <paramref name="silo"/>, whatever its kind.</summary>
    public IVideoEngine EngineOf(string silo) => engines[silo];

    /// <param name="silos">Silos to start.</param>
    /// <param name="engine">The engine of a silo, given its name; null starts silos without GPU workers.</param>
    /// <param name="settings">Overrides of the test timings, by configuration key.</param>
    /// <param name="store">The job store every silo shares; in memory by default.</param>
    /// <param name="configureSilo">More silo configuration, e.g. a grain call filter that injects a fault.</param>
    public static Task<TestFarm> StartAsync(short silos, Func<string, SimulatedVideoEngine>? engine, IReadOnlyDictionary<string, string?>? settings = null, IJobStore? store = null, Action<ISiloBuilder>? configureSilo = null) =>
        StartWithEnginesAsync(silos, engine, settings, store, configureSilo);

    /// <summary>As <see cref="StartAsync"/>, with any engine, e.g. the real one with the built-in tiny model.</summary>
    public static async Task<TestFarm> StartWithEnginesAsync(short silos, Func<string, IVideoEngine>? engine, IReadOnlyDictionary<string, string?>? settings = null, IJobStore? store = null, Action<ISiloBuilder>? configureSilo = null)
    {
        var root = Directory.CreateTempSubdirectory("farm-").FullName;
        store ??= new InMemoryJobStore();
        var progress = new InMemoryProgressLog(TimeProvider.System);
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var engines = new ConcurrentDictionary<string, IVideoEngine>();
        var configuration = new Dictionary<string, string?>
        {
            ["Turbo:Lease:Duration"] = "00:00:03",
            ["Turbo:Lease:SweepInterval"] = "00:00:00.100",
            ["Turbo:Worker:HeartbeatInterval"] = "00:00:00.250",
            ["Turbo:Worker:IdlePollInterval"] = "00:00:00.010",
            ["Turbo:Worker:MaxIdlePollInterval"] = "00:00:00.050",
            ["Turbo:Worker:ProgressReportInterval"] = "00:00:00.050",
            ["Turbo:Worker:DrainGracePeriod"] = "00:00:05",
            ["Turbo:Worker:ReportInterval"] = "00:00:00.200",
            ["Turbo:Worker:LivenessTimeout"] = "00:00:10",
            ["Turbo:Worker:WorkDirectory"] = Path.Combine(root, "work"),
            ["Turbo:Artifacts:Directory"] = Path.Combine(root, "artifacts"),
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        var builder = new InProcessTestClusterBuilder(silos);
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureHost(host => host.Configuration.AddInMemoryCollection(configuration));
        builder.ConfigureSilo((_, silo) =>
        {
            silo.Configure<ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = TimeSpan.FromMilliseconds(500);
                o.NumMissedProbesLimit = 2;
                o.NumVotesForDeathDeclaration = 1;
            });
            silo.Services.AddSingleton(registry);
            silo.Services.AddTurboFarm();
            silo.Services.Replace(ServiceDescriptor.Singleton(store));
            silo.Services.AddSingleton<IProgressLog>(progress);
            configureSilo?.Invoke(silo);
        });
        if (engine is not null)
        {
            builder.ConfigureSiloHost((options, host) => host.Services.AddGpuWorker(_ => engines.GetOrAdd(options.SiloName, engine)));
        }

        var cluster = builder.Build();
        await cluster.DeployAsync();
        return new TestFarm(cluster, store, progress, registry, root, engines);
    }

    public IJobGrain Job(string jobId) => Client.GetGrain<IJobGrain>(jobId);

    public ISchedulerGrain Scheduler(string pool = "default") => Client.GetGrain<ISchedulerGrain>(pool);

    public async Task<JobState> SubmitAsync(JobSpec spec) => (await Client.SubmitJobAsync(spec)).EnsureAccepted();

    /// <summary>Polls the shared store until the job satisfies <paramref name="condition"/>; fails with the last state seen.</summary>
    public async Task<JobState> WaitForAsync(string jobId, Func<JobState, bool> condition, double seconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        JobState? last = null;
        while (DateTime.UtcNow < deadline)
        {
            last = await Store.GetAsync(jobId);
            if (last is not null && condition(last))
            {
                return last;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"Job {jobId} did not reach the expected state within {seconds} s; last seen: {last?.Status} (attempts: {string.Join(", ", last?.Attempts.Select(a => $"{a.WorkerId}:{a.Outcome}") ?? [])}).");
    }

    public Task<JobState> WaitForStatusAsync(string jobId, JobStatus status, double seconds = 20) => WaitForAsync(jobId, j => j.Status == status, seconds);

    public static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, double seconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"Timed out after {seconds} s waiting for {what}.");
    }

    public InProcessSiloHandle SiloNamed(string name) => Cluster.Silos.Single(s => s.Name == name);

    public async ValueTask DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
        foreach (var engine in engines.Values)
        {
            engine.Dispose();
        }

        Directory.Delete(root, recursive: true);
    }

    /// <summary>The sum of a metric's series whose labels contain every one of <paramref name="labels"/> (e.g. reason="drain").</summary>
    public async Task<double> MetricAsync(string name, params string[] labels)
    {
        using var text = new MemoryStream();
        await Registry.CollectAndExportAsTextAsync(text);
        var lines = System.Text.Encoding.UTF8.GetString(text.ToArray()).Split('\n');
        return lines
            .Where(l => l.StartsWith(name + "{", StringComparison.Ordinal) && labels.All(label => l.Contains(label, StringComparison.Ordinal)))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
    }
}
