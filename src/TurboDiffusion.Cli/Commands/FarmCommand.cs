using System.CommandLine;
using Microsoft.Extensions.Configuration;
using TurboDiffusion.Cli.Farm;

namespace TurboDiffusion.Cli.Commands;

/// <summary><c>turbo farm up</c>: serves the all-in-one farm (silo, GPU worker, gateway, dashboard) until Ctrl+C or SIGTERM, then drains.</summary>
public static class FarmCommand
{
    public const int DefaultPort = FarmHost.DefaultFarmPort;
    public const int BadSettings = FarmProcess.BadSettings;

    public static Command Create(Func<IConfigurationRoot> configuration)
    {
        var port = new Option<int?>("--port") { Description = $"Serve on this port of 127.0.0.1 (default {DefaultPort}); Turbo:Http:Urls chooses other addresses." };
        var up = new Command("up", "Serve the whole farm from this process until stopped: dashboard at /, REST API under /v1.") { port };
        up.SetAction((parse, cancellationToken) => FarmProcess.ServeAsync(parse, configuration(), FarmRole.All, parse.GetValue(port), cancellationToken));
        var farmCommand = new Command("farm", "Run the farm on this machine.");
        farmCommand.Subcommands.Add(up);
        return farmCommand;
    }
}
