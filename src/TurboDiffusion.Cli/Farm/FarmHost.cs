using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TurboDiffusion.Engine;
using TurboDiffusion.Farm.Options;
using TurboDiffusion.Gateway.Hosting;
using TurboDiffusion.Gateway.Options;
using TurboDiffusion.Silo.Hosting;
using TurboDiffusion.Silo.Options;

namespace TurboDiffusion.Cli.Farm;

/// <summary>Which parts of the farm a process hosts.</summary>
public enum FarmRole
{
    /// <summary><c>turbo farm up</c> and <c>turbo render</c>: silo, GPU worker and gateway in one process, on loopback by default.</summary>
    All,

    /// <summary><c>turbo silo</c>: an Orleans silo with one GPU worker; HTTP serves health, metrics and the drain request only.</summary>
    Silo,

    /// <summary><c>turbo gateway</c>: the REST API, event streams, dashboard and webhook dispatcher as an Orleans client.</summary>
    Gateway,
}

/// <summary>How to start the farm in this process.</summary>
/// <param name="Role">Which parts run here.</param>
/// <param name="Engine">The engine of the GPU worker; null for the gateway.</param>
/// <param name="Port">A loopback port to serve on instead of Turbo:Http:Urls (0 picks a free one); null uses the settings.</param>
/// <param name="FreeClusterPorts">Take free silo/gateway ports instead of the configured ones, so it never collides with a running farm.</param>
/// <param name="ArtifactsDirectory">Where artifacts go when Turbo:Artifacts:Directory is not configured; null keeps the farm's default.</param>
/// <param name="Private">The farm lives only as long as one command that is its only client: it serves loopback and takes no keys even when some are configured.</param>
/// <param name="Logging">Adds the providers the farm logs to; null logs to the console, one line per entry.</param>
/// <param name="AdmitModels">Models (ids or directories) the gateway admits besides what the pools serve: a private farm's own.</param>
public sealed record FarmHostSettings(
    FarmRole Role,
    Func<IVideoEngine>? Engine,
    int? Port = null,
    bool FreeClusterPorts = false,
    string? ArtifactsDirectory = null,
    bool Private = false,
    LogLevel LogLevel = LogLevel.Warning,
    Action<ILoggingBuilder>? Logging = null,
    IReadOnlyList<string>? AdmitModels = null);

/// <summary>
/// One farm process: the all-in-one farm, a silo or a gateway (<see cref="FarmRole"/>), reading the same settings.
/// The all-in-one farm defaults to job state in memory and artifacts in a local directory; without configured API
/// keys its gateway is open, but only while it listens on loopback: on any other address the process refuses to
/// start keyless unless Turbo:Gateway:Anonymous is set explicitly.
/// </summary>
public sealed class FarmHost : IAsyncDisposable
{
    public const string DefaultGatewayUrls = "http://0.0.0.0:8480";
    public const string DefaultSiloUrls = "http://0.0.0.0:8481";
    public const int DefaultFarmPort = 8480;

    private readonly TimeSpan shutdownTimeout;

    private FarmHost(WebApplication app, TimeSpan shutdownTimeout)
    {
        App = app;
        this.shutdownTimeout = shutdownTimeout;
        Address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/");
    }

    public WebApplication App { get; }

    /// <summary>The first address served, e.g. http://127.0.0.1:8480/.</summary>
    public Uri Address { get; }

    /// <summary>True when a gateway here takes no keys.</summary>
    public bool IsOpen => App.Configuration.GetValue<bool>($"{GatewayOptions.Section}:{nameof(GatewayOptions.Anonymous)}");

    /// <summary>The addresses a process of <paramref name="role"/> serves by default.</summary>
    public static string DefaultUrls(FarmRole role) => role switch
    {
        FarmRole.All => $"http://127.0.0.1:{DefaultFarmPort.ToString(CultureInfo.InvariantCulture)}",
        FarmRole.Silo => DefaultSiloUrls,
        FarmRole.Gateway => DefaultGatewayUrls,
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, "unknown farm role"),
    };

    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">A setting is wrong or missing; the message names the key and the fix.</exception>
    public static async Task<FarmHost> StartAsync(IConfiguration configuration, FarmHostSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(settings);
        var http = Listen(configuration, settings);
        var worker = settings.Role == FarmRole.Gateway ? null : ReadWorker(configuration);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], ContentRootPath = Directory.GetCurrentDirectory() });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(configuration.AsEnumerable());
        builder.Configuration.AddInMemoryCollection(Overrides(configuration, settings, http));
        ConfigureLogging(builder.Logging, settings);
        builder.WebHost.UseUrls(http.ServerUrls);
        if (worker is not null)
        {
            builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = worker.ShutdownTimeout);
        }

        AddRole(builder, settings);
        var app = builder.Build();
        MapRole(app, settings.Role);
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return new FarmHost(app, worker?.ShutdownTimeout ?? TimeSpan.FromSeconds(30));
    }

    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource(shutdownTimeout);
        await App.StopAsync(stop.Token).ConfigureAwait(false);
        await App.DisposeAsync().ConfigureAwait(false);
    }

    private static TurboHttpOptions Listen(IConfiguration configuration, FarmHostSettings settings)
    {
        if (settings.Private || settings.Port is not null && string.IsNullOrWhiteSpace(configuration[TurboHttpOptions.UrlsKey]))
        {
            return TurboHttpOptions.Parse($"http://127.0.0.1:{(settings.Port ?? 0).ToString(CultureInfo.InvariantCulture)}");
        }

        if (settings.Port is not null)
        {
            throw new Microsoft.Extensions.Options.OptionsValidationException(TurboHttpOptions.UrlsKey, typeof(TurboHttpOptions),
                [$"both --port and {TurboHttpOptions.UrlsKey} say where to listen; give one of them."]);
        }

        return TurboHttpOptions.Read(configuration, DefaultUrls(settings.Role));
    }

    private static WorkerOptions ReadWorker(IConfiguration configuration)
    {
        try
        {
            return configuration.GetSection(WorkerOptions.Section).Get<WorkerOptions>() ?? new WorkerOptions();
        }
        catch (InvalidOperationException e)
        {
            throw new Microsoft.Extensions.Options.OptionsValidationException(WorkerOptions.Section, typeof(WorkerOptions),
                [$"{WorkerOptions.Section}: {e.InnerException?.Message ?? e.Message} Durations are TimeSpans, e.g. \"00:00:30\"."]);
        }
    }

    private static void ConfigureLogging(ILoggingBuilder logging, FarmHostSettings settings)
    {
        logging.ClearProviders().SetMinimumLevel(settings.LogLevel)
            // Start-up notes (server GC advice, the watchdog's first check against the machine's uptime) are not
            // actionable for an operator of the farm.
            .AddFilter("Orleans.Runtime.Silo", LogLevel.Error)
            .AddFilter("Orleans.Runtime.Watchdog", LogLevel.Error);
        if (settings.Logging is { } configure)
        {
            configure(logging);
        }
        else
        {
            logging.AddSimpleConsole(o => o.SingleLine = true);
        }
    }

    private static void AddRole(WebApplicationBuilder builder, FarmHostSettings settings)
    {
        if (settings.Role == FarmRole.Gateway)
        {
            builder.AddTurboGatewayClient();
        }
        else
        {
            var engine = settings.Engine ?? throw new ArgumentException($"a {settings.Role} process needs an engine for its GPU worker", nameof(settings));
            builder.AddTurboSilo();
            builder.Services.AddGpuWorker(_ => engine());
        }

        if (settings.Role != FarmRole.Silo)
        {
            builder.Services.AddTurboGateway();
        }
    }

    private static void MapRole(WebApplication app, FarmRole role)
    {
        if (role != FarmRole.Silo)
        {
            app.MapTurboGateway();
        }

        if (role != FarmRole.Gateway)
        {
            app.MapTurboHealth();
            app.MapTurboDrain();
        }

        if (role == FarmRole.Silo)
        {
            app.MapTurboMetrics();
        }
    }

    private static Dictionary<string, string?> Overrides(IConfiguration configuration, FarmHostSettings settings, TurboHttpOptions http)
    {
        var overrides = new Dictionary<string, string?>();
        if (settings.Role != FarmRole.Silo)
        {
            overrides[$"{GatewayOptions.Section}:{nameof(GatewayOptions.Anonymous)}"] = settings.Private || KeylessAccess.Allowed(configuration, http) ? "true" : "false";
        }

        if (settings.Role != FarmRole.Gateway)
        {
            overrides[$"{WorkerOptions.Section}:{nameof(WorkerOptions.Name)}"] = configuration[$"{WorkerOptions.Section}:{nameof(WorkerOptions.Name)}"] is { Length: > 0 } name ? name : Environment.MachineName;
        }

        if (settings.Role == FarmRole.All)
        {
            // Progress every half second: the dashboard and `turbo render` show it live.
            overrides["Turbo:Worker:ProgressReportInterval"] = configuration["Turbo:Worker:ProgressReportInterval"] ?? "00:00:00.500";
            overrides["Turbo:Worker:ReportInterval"] = configuration["Turbo:Worker:ReportInterval"] ?? "00:00:01";
        }

        foreach (var (model, index) in (settings.AdmitModels ?? []).Select((m, i) => (m, i)))
        {
            overrides[$"{GatewayOptions.Section}:{nameof(GatewayOptions.AdmitModels)}:{index.ToString(CultureInfo.InvariantCulture)}"] = model;
        }

        if (settings.ArtifactsDirectory is { } artifacts && string.IsNullOrEmpty(configuration["Turbo:Artifacts:Directory"]))
        {
            overrides["Turbo:Artifacts:Directory"] = artifacts;
        }

        if (settings.FreeClusterPorts)
        {
            var ports = LoopbackPorts.Take(2);
            overrides[TurboClusterOptions.Key(nameof(TurboClusterOptions.SiloPort))] = ports[0].ToString(CultureInfo.InvariantCulture);
            overrides[TurboClusterOptions.Key(nameof(TurboClusterOptions.GatewayPort))] = ports[1].ToString(CultureInfo.InvariantCulture);
        }

        return overrides;
    }
}
