using System.Net;
using System.Net.Sockets;
using Azure.Storage.Blobs;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Farm.Stores;
using TurboDiffusion.Farm.Stores.Blob;
using TurboDiffusion.Farm.Stores.InMemory;
using TurboDiffusion.Farm.Stores.Local;
using TurboDiffusion.Farm.Stores.Redis;
using TurboDiffusion.Silo.Hosting;
using TurboDiffusion.Silo.Simulation;

namespace TurboDiffusion.Silo.Tests.Hosting;

/// <summary>A real silo host as an operator runs it: configuration decides clustering and stores; health and metrics over HTTP.</summary>
public sealed class SiloHostTests : IDisposable
{
    private const string AzuriteDefault =
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;";

    private readonly string directory = Directory.CreateTempSubdirectory("silo-host-").FullName;

    [Fact]
    public async Task With_no_services_configured_a_single_silo_renders_a_job_and_reports_ready_live_and_metrics()
    {
        await using var host = await StartAsync(new Dictionary<string, string?>());
        var app = host.App;
        var http = Client(app);
        const string Succeeded = "turbo_jobs_completed_total{pool=\"default\",outcome=\"succeeded\"}";
        var before = Series(await http.GetStringAsync(new Uri("/metrics", UriKind.Relative), TestContext.Current.CancellationToken), Succeeded);

        var job = (await app.Services.GetRequiredService<IGrainFactory>().SubmitJobAsync(Job())).EnsureAccepted();
        var done = await WaitForSuccessAsync(app, job.JobId);

        Assert.IsType<InMemoryJobStore>(app.Services.GetRequiredService<IJobStore>());
        Assert.IsType<LocalArtifactStore>(app.Services.GetRequiredService<IArtifactStore>());
        Assert.Equal("local", done.Artifact!.Store);
        Assert.StartsWith(Path.Combine(directory, "artifacts"), done.Artifact.Container, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/health/ready", UriKind.Relative), TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/health/live", UriKind.Relative), TestContext.Current.CancellationToken)).StatusCode);
        var metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative), TestContext.Current.CancellationToken);
        Assert.Equal(before + 1, Series(metrics, Succeeded));
        Assert.Equal(1, Series(metrics, "turbo_worker_state{state=\"idle\"}"));
    }

    [Fact]
    public async Task With_redis_and_blob_configured_the_silo_clusters_on_redis_keeps_jobs_there_and_stores_artifacts_in_blob()
    {
        var redisEndpoint = Environment.GetEnvironmentVariable("Turbo__Test__Redis") is { Length: > 0 } r ? r : "127.0.0.1:6379";
        var blob = Environment.GetEnvironmentVariable("Turbo__Test__Blob") is { Length: > 0 } b ? b : AzuriteDefault;
        var prefix = $"test:{Guid.NewGuid():N}:";
        var containerPrefix = $"h{Guid.NewGuid():N}"[..13] + "-";
        await using var redis = await ConnectRedisAsync(redisEndpoint);
        try
        {
            await using var host = await StartAsync(new Dictionary<string, string?>
            {
                ["Turbo:Redis:ConnectionString"] = redisEndpoint,
                ["Turbo:Redis:KeyPrefix"] = prefix,
                ["Turbo:Blob:ConnectionString"] = blob,
                ["Turbo:Blob:ContainerPrefix"] = containerPrefix,
                ["Turbo:Cluster:ClusterId"] = $"test-{Guid.NewGuid():N}",
            });
            var app = host.App;

            var job = (await app.Services.GetRequiredService<IGrainFactory>().SubmitJobAsync(Job())).EnsureAccepted();
            var done = await WaitForSuccessAsync(app, job.JobId);

            Assert.IsType<RedisJobStore>(app.Services.GetRequiredService<IJobStore>());
            Assert.Equal("Succeeded", (string?)await redis.GetDatabase().HashGetAsync($"{prefix}job:{job.JobId}", "s"));
            Assert.Equal("blob", done.Artifact!.Store);
            Assert.Equal(containerPrefix + "studio-a", done.Artifact.Container);
            var container = new BlobServiceClient(blob).GetBlobContainerClient(done.Artifact.Container);
            Assert.True(await container.GetBlobClient(done.Artifact.VideoKey).ExistsAsync(TestContext.Current.CancellationToken));
        }
        finally
        {
            var server = redis.GetServer(redis.GetEndPoints()[0]);
            await foreach (var key in server.KeysAsync(pattern: prefix + "*"))
            {
                await redis.GetDatabase().KeyDeleteAsync(key);
            }

            var service = new BlobServiceClient(blob);
            await foreach (var item in service.GetBlobContainersAsync(prefix: containerPrefix, cancellationToken: TestContext.Current.CancellationToken))
            {
                await service.DeleteBlobContainerAsync(item.Name, cancellationToken: TestContext.Current.CancellationToken);
            }
        }
    }

    [Fact]
    public async Task An_invalid_setting_stops_the_host_at_start_naming_the_key_range_and_fix()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync(new Dictionary<string, string?>
        {
            ["Turbo:Lease:Duration"] = "00:00:10",
            ["Turbo:Worker:HeartbeatInterval"] = "00:00:08",
        }));

        Assert.Contains("Turbo:Worker:HeartbeatInterval is 00:00:08; it must be between 00:00:00.0500000 and 00:00:05", error.Message);
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);

    private static JobSpec Job() => new("a lighthouse at dusk", "tiny", JobResolution.P480, JobAspect.Landscape16x9, 81, 4, 1, JobPriority.Normal, "studio-a");

    private async Task<RunningSilo> StartAsync(Dictionary<string, string?> settings)
    {
        var (siloPort, gatewayPort) = FreePorts();
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Turbo:Cluster:SiloPort"] = siloPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Turbo:Cluster:GatewayPort"] = gatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Turbo:Artifacts:Directory"] = Path.Combine(directory, "artifacts"),
            ["Turbo:Worker:WorkDirectory"] = Path.Combine(directory, "work"),
            ["Turbo:Worker:IdlePollInterval"] = "00:00:00.020",
            ["Turbo:Worker:MaxIdlePollInterval"] = "00:00:00.100",
        }).AddInMemoryCollection(settings);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.AddTurboSilo();
        builder.Services.AddGpuWorker(_ => new SimulatedVideoEngine());
        var app = builder.Build();
        app.MapTurboHealth();
        app.MapTurboMetrics();
        try
        {
            await app.StartAsync(TestContext.Current.CancellationToken);
        }
        catch (OptionsValidationException)
        {
            await app.DisposeAsync();
            throw;
        }

        return new RunningSilo(app);
    }

    /// <summary>The value of one series in Prometheus text (0 when absent: counters start unexported).</summary>
    private static double Series(string metrics, string series) =>
        metrics.Split('\n').Where(l => l.StartsWith(series + " ", StringComparison.Ordinal))
            .Select(l => double.Parse(l[(series.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture))
            .SingleOrDefault();

    private static HttpClient Client(WebApplication app)
    {
        var address = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new HttpClient { BaseAddress = new Uri(address) };
    }

    private static async Task<JobState> WaitForSuccessAsync(WebApplication app, string jobId)
    {
        var job = app.Services.GetRequiredService<IGrainFactory>().GetGrain<IJobGrain>(jobId);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (await job.GetState() is { Status: JobStatus.Succeeded } done)
            {
                return done;
            }

            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        throw new TimeoutException($"Job {jobId} did not succeed within 30 s; it is {(await job.GetState())?.Status}.");
    }

    private static async Task<ConnectionMultiplexer> ConnectRedisAsync(string endpoint)
    {
        try
        {
            return await ConnectionMultiplexer.ConnectAsync(endpoint);
        }
        catch (RedisConnectionException e)
        {
            throw new InvalidOperationException($"Redis is not reachable at {endpoint} (Turbo__Test__Redis). Start it: redis-server --bind 127.0.0.1 --port 6379 --save \"\" --appendonly no --daemonize yes (or run .ci/run).", e);
        }
    }

    /// <summary>Two distinct free ports: both listeners stay open while the ports are read, since a just-closed port can be handed out again.</summary>
    private static (int, int) FreePorts()
    {
        using var first = new TcpListener(IPAddress.Loopback, 0);
        using var second = new TcpListener(IPAddress.Loopback, 0);
        first.Start();
        second.Start();
        return (((IPEndPoint)first.LocalEndpoint).Port, ((IPEndPoint)second.LocalEndpoint).Port);
    }

    /// <summary>Stops the host (so its worker drains and its gauges settle) before disposing it.</summary>
    private sealed class RunningSilo(WebApplication app) : IAsyncDisposable
    {
        public WebApplication App => app;

        public async ValueTask DisposeAsync()
        {
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
        }
    }
}
