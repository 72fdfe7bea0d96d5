using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TurboDiffusion.Gateway.Auth;
using TurboDiffusion.Gateway.Hosting;
using TurboDiffusion.Silo.Hosting;
using TurboDiffusion.Silo.Simulation;

namespace TurboDiffusion.Gateway.Tests.Support;

/// <summary>
/// The real gateway co-hosted with a silo and a simulated GPU worker, on Kestrel at a loopback port: what the embedded
/// farm runs, with shortened worker timings. Keys: an admin key and one key per tenant, configured by their hashes.
/// </summary>
public sealed class GatewayHost : IAsyncDisposable
{
    public const string AdminKey = "admin-0123456789abcdef";

    private readonly string directory;

    private GatewayHost(WebApplication app, string directory)
    {
        App = app;
        this.directory = directory;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseAddress = new Uri(address);
    }

    public WebApplication App { get; }

    public Uri BaseAddress { get; }

    public static string KeyOf(string tenant) => $"key-of-{tenant}-0123456789";

    /// <param name="tenants">Tenants that get a key (<see cref="KeyOf"/>).</param>
    public static async Task<GatewayHost> StartAsync(IEnumerable<string> tenants, Engine.IVideoEngine? engine = null, IReadOnlyDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        var directory = Directory.CreateTempSubdirectory("gateway-").FullName;
        engine ??= new SimulatedVideoEngine { StepTime = TimeSpan.FromMilliseconds(50) };
        var ports = LoopbackPorts.Take(2);
        var configuration = new Dictionary<string, string?>
        {
            ["Turbo:Cluster:SiloPort"] = ports[0].ToString(CultureInfo.InvariantCulture),
            ["Turbo:Cluster:GatewayPort"] = ports[1].ToString(CultureInfo.InvariantCulture),
            ["Turbo:Cluster:ClusterId"] = $"gateway-test-{Guid.NewGuid():N}",
            ["Turbo:Artifacts:Directory"] = Path.Combine(directory, "artifacts"),
            ["Turbo:Worker:WorkDirectory"] = Path.Combine(directory, "work"),
            ["Turbo:Worker:IdlePollInterval"] = "00:00:00.020",
            ["Turbo:Worker:MaxIdlePollInterval"] = "00:00:00.100",
            ["Turbo:Worker:ProgressReportInterval"] = "00:00:00.050",
            ["Turbo:Worker:ReportInterval"] = "00:00:00.200",
            ["Turbo:Gateway:AdminKey"] = AdminKey,
            ["Turbo:Gateway:EventPollInterval"] = "00:00:00.050",
        };
        var index = 0;
        foreach (var tenant in tenants)
        {
            configuration[$"Turbo:Gateway:ApiKeys:{index}:Tenant"] = tenant;
            configuration[$"Turbo:Gateway:ApiKeys:{index}:Sha256"] = ApiKeyRing.Hash(KeyOf(tenant));
            index++;
        }

        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(configuration);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.AddTurboSilo();
        builder.Services.AddGpuWorker(_ => engine);
        builder.Services.AddTurboGateway();
        services?.Invoke(builder.Services);
        var app = builder.Build();
        app.MapTurboGateway();
        await app.StartAsync(TestContext.Current.CancellationToken);
        return new GatewayHost(app, directory);
    }

    /// <summary>An HTTP client of the gateway authenticated as <paramref name="tenant"/> (the admin when null).</summary>
    public HttpClient Client(string? tenant)
    {
        var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", tenant is null ? AdminKey : KeyOf(tenant));
        return http;
    }

    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await App.StopAsync(stop.Token);
        await App.DisposeAsync();
        Directory.Delete(directory, recursive: true);
    }

}
