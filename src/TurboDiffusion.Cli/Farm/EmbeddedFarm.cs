using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TurboDiffusion.Engine;
using TurboDiffusion.Farm.Options;
using TurboDiffusion.Gateway.Hosting;
using TurboDiffusion.Gateway.Options;
using TurboDiffusion.Silo.Hosting;

namespace TurboDiffusion.Cli.Farm;

/// <summary>How to start the farm in this process.</summary>
/// <param name="Port">The gateway's loopback port; 0 picks a free one.</param>
/// <param name="FreeClusterPorts">Take free silo/gateway ports instead of the configured ones, so it never collides with a running farm.</param>
/// <param name="ArtifactsDirectory">Where artifacts go when Turbo:Artifacts:Directory is not configured; null keeps the farm's default.</param>
/// <param name="Private">The farm lives only as long as one command that is its only client: its gateway takes no keys even when some are configured.</param>
/// <param name="Logging">Adds the providers the farm logs to; null logs to the console, one line per entry.</param>
public sealed record EmbeddedFarmSettings(int Port, bool FreeClusterPorts, Func<IVideoEngine> Engine, string? ArtifactsDirectory = null, bool Private = false, LogLevel LogLevel = LogLevel.Warning, Action<ILoggingBuilder>? Logging = null);

/// <summary>
/// The whole farm in one process: a silo (localhost clustering, job state in memory, artifacts in a local directory
/// unless configured otherwise), its GPU worker around the engine, and the gateway with the dashboard on loopback.
/// Without configured API keys the gateway is open to this machine only.
/// </summary>
public sealed class EmbeddedFarm : IAsyncDisposable
{
    private EmbeddedFarm(WebApplication app)
    {
        App = app;
        Address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/");
    }

    public WebApplication App { get; }

    /// <summary>The gateway and dashboard, e.g. http://127.0.0.1:8480/.</summary>
    public Uri Address { get; }

    /// <summary>True when the gateway takes no keys (none configured).</summary>
    public bool IsOpen => App.Configuration.GetValue<bool>($"{GatewayOptions.Section}:{nameof(GatewayOptions.Anonymous)}");

    public static async Task<EmbeddedFarm> StartAsync(IConfiguration configuration, EmbeddedFarmSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(settings);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], ContentRootPath = Directory.GetCurrentDirectory() });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(configuration.AsEnumerable());
        builder.Configuration.AddInMemoryCollection(Overrides(configuration, settings));
        builder.Logging.ClearProviders().SetMinimumLevel(settings.LogLevel)
            // Start-up notes (server GC advice, the watchdog's first check against the machine's uptime) are not
            // actionable for a farm inside a CLI process.
            .AddFilter("Orleans.Runtime.Silo", LogLevel.Error)
            .AddFilter("Orleans.Runtime.Watchdog", LogLevel.Error);
        if (settings.Logging is { } logging)
        {
            logging(builder.Logging);
        }
        else
        {
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        }

        builder.WebHost.UseUrls($"http://127.0.0.1:{settings.Port.ToString(CultureInfo.InvariantCulture)}");
        builder.AddTurboSilo();
        builder.Services.AddGpuWorker(_ => settings.Engine());
        builder.Services.AddTurboGateway();
        var app = builder.Build();
        app.MapTurboGateway();
        app.MapTurboHealth();
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return new EmbeddedFarm(app);
    }

    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await App.StopAsync(stop.Token).ConfigureAwait(false);
        await App.DisposeAsync().ConfigureAwait(false);
    }

    private static Dictionary<string, string?> Overrides(IConfiguration configuration, EmbeddedFarmSettings settings)
    {
        var gateway = configuration.GetSection(GatewayOptions.Section);
        var hasKeys = !string.IsNullOrEmpty(gateway[nameof(GatewayOptions.AdminKey)]) || gateway.GetSection(nameof(GatewayOptions.ApiKeys)).GetChildren().Any();
        var overrides = new Dictionary<string, string?>
        {
            [$"{GatewayOptions.Section}:{nameof(GatewayOptions.Anonymous)}"] = hasKeys && !settings.Private ? "false" : "true",
            // Progress every half second: the dashboard and `turbo render` show it live.
            ["Turbo:Worker:ProgressReportInterval"] = configuration["Turbo:Worker:ProgressReportInterval"] ?? "00:00:00.500",
            ["Turbo:Worker:ReportInterval"] = configuration["Turbo:Worker:ReportInterval"] ?? "00:00:01",
        };
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
