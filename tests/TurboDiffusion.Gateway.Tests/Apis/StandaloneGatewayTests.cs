using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using TurboDiffusion.Client.Models;
using TurboDiffusion.Gateway.Auth;
using TurboDiffusion.Gateway.Hosting;
using TurboDiffusion.Gateway.Tests.Support;
using TurboDiffusion.Silo.Hosting;
using TurboDiffusion.Silo.Simulation;

namespace TurboDiffusion.Gateway.Tests.Apis;

/// <summary>
/// The gateway as its own process tier: an Orleans client of a silo found through Redis membership, with the job
/// state in the same real Redis (Turbo__Test__Redis) and artifacts in a shared directory.
/// </summary>
public sealed class StandaloneGatewayTests : IAsyncLifetime
{
    private readonly string directory = Directory.CreateTempSubdirectory("standalone-").FullName;
    private readonly string redis = Environment.GetEnvironmentVariable("Turbo__Test__Redis") is { Length: > 0 } r ? r : "127.0.0.1:6379";
    private readonly string prefix = $"test:{Guid.NewGuid():N}:";
    private readonly string clusterId = $"standalone-{Guid.NewGuid():N}";
    private WebApplication? silo;
    private WebApplication? gateway;

    public async ValueTask InitializeAsync()
    {
        var ports = LoopbackPorts.Take(2);
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(Shared());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Turbo:Cluster:SiloPort"] = ports[0].ToString(CultureInfo.InvariantCulture),
            ["Turbo:Cluster:GatewayPort"] = ports[1].ToString(CultureInfo.InvariantCulture),
            ["Turbo:Worker:WorkDirectory"] = Path.Combine(directory, "work"),
            ["Turbo:Worker:IdlePollInterval"] = "00:00:00.020",
            ["Turbo:Worker:MaxIdlePollInterval"] = "00:00:00.100",
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.AddTurboSilo();
        builder.Services.AddGpuWorker(_ => new SimulatedVideoEngine { StepTime = TimeSpan.FromMilliseconds(50) });
        silo = builder.Build();
        await silo.StartAsync(Api.Token);

        var front = WebApplication.CreateBuilder();
        front.Configuration.AddInMemoryCollection(Shared());
        front.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Turbo:Gateway:ApiKeys:0:Tenant"] = "remote",
            ["Turbo:Gateway:ApiKeys:0:Sha256"] = ApiKeyRing.Hash(GatewayHost.KeyOf("remote")),
            ["Turbo:Gateway:EventPollInterval"] = "00:00:00.050",
        });
        front.Logging.SetMinimumLevel(LogLevel.Warning);
        front.WebHost.UseUrls("http://127.0.0.1:0");
        front.AddTurboGatewayClient();
        front.Services.AddTurboGateway();
        gateway = front.Build();
        gateway.MapTurboGateway();
        await gateway.StartAsync(Api.Token);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var app in new[] { gateway, silo }.OfType<WebApplication>())
        {
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
        }

        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis);
        var server = connection.GetServer(connection.GetEndPoints()[0]);
        await foreach (var key in server.KeysAsync(pattern: prefix + "*"))
        {
            await connection.GetDatabase().KeyDeleteAsync(key);
        }

        Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public async Task A_gateway_apart_from_the_silos_submits_follows_and_serves_a_job_through_the_cluster()
    {
        var address = gateway!.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        using var http = new HttpClient { BaseAddress = new Uri(address) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", GatewayHost.KeyOf("remote"));

        var job = await http.SubmitOkAsync(new JobRequest { Prompt = "a tide pool at low tide" });
        var frames = await SseReader.ReadAllAsync(http, $"/v1/jobs/{job.Id}/events");
        var video = await http.GetStringAsync(new Uri($"/v1/jobs/{job.Id}/video", UriKind.Relative), Api.Token);
        using var ready = await http.GetAsync(new Uri("/readyz", UriKind.Relative), Api.Token);

        Assert.Equal("state", frames[^1].Event);
        Assert.Contains("\"status\":\"succeeded\"", frames[^1].Data, StringComparison.Ordinal);
        Assert.Contains(frames, f => f.Event == "progress");
        Assert.StartsWith("simulated video: a tide pool at low tide", video, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }

    private Dictionary<string, string?> Shared() => new()
    {
        ["Turbo:Redis:ConnectionString"] = redis,
        ["Turbo:Redis:KeyPrefix"] = prefix,
        ["Turbo:Cluster:ClusterId"] = clusterId,
        ["Turbo:Artifacts:Directory"] = Path.Combine(directory, "artifacts"),
    };

}
