using System.CommandLine;
using Microsoft.Extensions.Configuration;
using TurboDiffusion.Cli.Configuration;
using TurboDiffusion.Cli.Farm;
using TurboDiffusion.Engine;
using TurboDiffusion.Engine.Pipelines;

namespace TurboDiffusion.Cli.Commands;

/// <summary><c>turbo farm up</c>: serves the embedded farm (silo, GPU worker, gateway, dashboard) until Ctrl+C or SIGTERM, then drains.</summary>
public static class FarmCommand
{
    public const int DefaultPort = 8480;
    public const int BadSettings = 2;

    public static Command Create(Func<IConfigurationRoot> configuration)
    {
        var port = new Option<int>("--port") { Description = "The gateway and dashboard port on 127.0.0.1.", DefaultValueFactory = _ => DefaultPort };
        var up = new Command("up", "Serve the farm from this process until stopped: dashboard at /, REST API under /v1.") { port };
        up.SetAction(async (parse, cancellationToken) =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var settings = configuration();
            DitAttentionOptions attention;
            try
            {
                attention = AttentionSettings.Resolve(settings);
            }
            catch (FormatException e)
            {
                parse.InvocationConfiguration.Error.WriteLine($"error: {e.Message}");
                return BadSettings;
            }

            await using var farm = await EmbeddedFarm.StartAsync(settings, new EmbeddedFarmSettings(parse.GetValue(port), FreeClusterPorts: false, () => new WarmVideoEngine(attention: attention)), cancellationToken).ConfigureAwait(false);
            stdout.WriteLine($"farm: {farm.Address} (dashboard; REST API under /v1; OpenAPI at /openapi/v1.json){(farm.IsOpen ? ", open to this machine only (no API keys configured)" : "")}");
            stdout.WriteLine("press Ctrl+C to stop (the running job may finish within Turbo:Worker:DrainGracePeriod)");
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                stdout.WriteLine("stopping: draining the worker");
            }

            return 0;
        });
        var farmCommand = new Command("farm", "Run the farm on this machine.");
        farmCommand.Subcommands.Add(up);
        return farmCommand;
    }
}
