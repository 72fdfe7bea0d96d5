using System.CommandLine;
using Microsoft.Extensions.Configuration;
using TurboDiffusion.Cli.Farm;

namespace TurboDiffusion.Cli.Commands;

/// <summary><c>turbo gateway</c>: the REST API, event streams, dashboard and webhook dispatcher, as a client of the silos' cluster.</summary>
public static class GatewayCommand
{
    public static Command Create(Func<IConfigurationRoot> configuration)
    {
        var command = new Command("gateway", $"Serve the REST API, dashboard and webhooks for a farm of silos found through Redis (Turbo:Redis:ConnectionString), on Turbo:Http:Urls (default {FarmHost.DefaultGatewayUrls}).");
        command.SetAction((parse, cancellationToken) => FarmProcess.ServeAsync(parse, configuration(), FarmRole.Gateway, null, cancellationToken));
        return command;
    }
}
