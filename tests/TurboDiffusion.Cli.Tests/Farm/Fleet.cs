using System.Globalization;
using TurboDiffusion.Cli.Farm;
using TurboDiffusion.Client;
using TurboDiffusion.Client.Models;

namespace TurboDiffusion.Cli.Tests.Farm;

/// <summary>
/// A farm deployed as separate OS processes on loopback: <c>turbo silo</c>s and a <c>turbo gateway</c> sharing one
/// cluster id and key prefix in the real Redis (Turbo__Test__Redis) and artifacts in the real Azurite
/// (Turbo__Test__Blob), each silo rendering with the built-in tiny model on the CPU.
/// </summary>
internal sealed class Fleet : IAsyncDisposable
{
    public static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan DrainGracePeriod = TimeSpan.FromSeconds(20);

    private readonly string directory = Directory.CreateTempSubdirectory("fleet-").FullName;
    private readonly string id = Guid.NewGuid().ToString("N")[..12];
    private readonly List<FarmProcessHandle> processes = [];
    private readonly Dictionary<string, string> common;
    private int gatewayPort;

    /// <param name="settings">Settings every process gets besides the fleet's own, as environment variables (Turbo__Section__Key).</param>
    public Fleet(IReadOnlyDictionary<string, string>? settings = null)
    {
        common = new Dictionary<string, string>(settings ?? new Dictionary<string, string>())
        {
            ["Turbo__Redis__ConnectionString"] = TestServices.Redis,
            ["Turbo__Redis__KeyPrefix"] = $"fleet:{id}:",
            ["Turbo__Blob__ConnectionString"] = TestServices.Blob,
            ["Turbo__Blob__Layout"] = "SharedContainer",
            ["Turbo__Blob__Container"] = $"fleet-{id}",
            ["Turbo__Cluster__ClusterId"] = $"fleet-{id}",
            ["Turbo__Cluster__ServiceId"] = $"fleet-{id}",
            ["Turbo__Cluster__AdvertisedAddress"] = "127.0.0.1",
            ["Turbo__Lease__Duration"] = LeaseDuration.ToString("c", CultureInfo.InvariantCulture),
            ["Turbo__Worker__DrainGracePeriod"] = DrainGracePeriod.ToString("c", CultureInfo.InvariantCulture),
            ["Turbo__Worker__Preload__0"] = "tiny",
            ["Turbo__Worker__ReportInterval"] = "00:00:01",
            ["Turbo__Worker__ProgressReportInterval"] = "00:00:00.500",
            ["Turbo__Worker__WorkDirectory"] = Path.Combine(directory, "work"),
        };
    }

    public TurboFarmClient Client { get; private set; } = null!;

    public FarmProcessHandle StartSilo(string name)
    {
        var ports = LoopbackPorts.Take(3);
        var silo = Start(name, new Dictionary<string, string>
        {
            ["Turbo__Worker__Name"] = name,
            ["Turbo__Http__Urls"] = $"http://127.0.0.1:{ports[0]}",
            ["Turbo__Cluster__SiloPort"] = ports[1].ToString(CultureInfo.InvariantCulture),
            ["Turbo__Cluster__GatewayPort"] = ports[2].ToString(CultureInfo.InvariantCulture),
        }, "silo");
        return silo;
    }

    public FarmProcessHandle StartGateway()
    {
        gatewayPort = LoopbackPorts.Take(1)[0];
        var gateway = Start("gateway", new Dictionary<string, string> { ["Turbo__Http__Urls"] = $"http://127.0.0.1:{gatewayPort}" }, "gateway");
        Client?.Dispose();
        Client = new TurboFarmClient(new TurboClientOptions { BaseAddress = new Uri($"http://127.0.0.1:{gatewayPort}/") });
        return gateway;
    }

    /// <summary>Waits until every named worker reports itself idle (its preflight passed and the tiny model is loaded).</summary>
    public async Task WaitForIdleWorkersAsync(IReadOnlyCollection<string> names, TimeSpan timeout)
    {
        await EventuallyAsync(async () =>
        {
            var workers = await Client.GetWorkersAsync();
            return names.All(n => workers.Any(w => w.Id == n && w.State == "idle"));
        }, timeout, $"workers {string.Join(", ", names)} idle");
    }

    public async Task<IReadOnlyList<JobView>> SubmitAsync(int count, string label)
    {
        var jobs = new List<JobView>();
        for (var i = 0; i < count; i++)
        {
            jobs.Add(await Client.SubmitAsync(new JobRequest { Prompt = $"{label} {i}: a lighthouse at dusk", Model = "tiny", Frames = 5, Steps = 2 }, $"{id}-{label}-{i}"));
        }

        return jobs;
    }

    public async Task<IReadOnlyList<JobView>> WaitForFinishedAsync(IEnumerable<JobView> jobs, TimeSpan timeout)
    {
        var ids = jobs.Select(j => j.Id).ToList();
        List<JobView> latest = [];
        await EventuallyAsync(async () =>
        {
            latest = [.. await Task.WhenAll(ids.Select(i => Client.GetAsync(i)))];
            return latest.All(j => j.IsFinished);
        }, timeout, $"{ids.Count} jobs finished");
        return latest;
    }

    /// <summary>The tail of every process's log, for a failing assertion's message.</summary>
    public string Logs() => string.Join("\n", processes.Select(p =>
        $"--- {p.Name}:\n{string.Join("\n", File.ReadLines(Path.Combine(directory, p.Name + ".log")).TakeLast(40))}"));

    public async Task EventuallyAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        Exception? last = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TurboFarmException or TaskCanceledException)
            {
                last = e;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250));
        }

        throw new TimeoutException($"not {what} within {timeout.TotalSeconds:0} s{(last is null ? "" : $" (last error: {last.Message})")}\n{Logs()}");
    }

    public ValueTask DisposeAsync()
    {
        Client?.Dispose();
        foreach (var process in processes)
        {
            process.Dispose();
        }

        Directory.Delete(directory, recursive: true);
        return ValueTask.CompletedTask;
    }

    private FarmProcessHandle Start(string name, Dictionary<string, string> own, string command)
    {
        var environment = new Dictionary<string, string>(common);
        foreach (var (key, value) in own)
        {
            environment[key] = value;
        }

        var http = environment.TryGetValue("Turbo__Http__Urls", out var urls) ? new Uri(urls + "/") : null;
        var process = FarmProcessHandle.Start(name, http, Path.Combine(directory, name + ".log"), environment, command);
        processes.Add(process);
        return process;
    }
}
