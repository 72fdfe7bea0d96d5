using System.CommandLine;
using System.Globalization;
using System.Net.Http.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using TurboDiffusion.Cli.Farm;
using TurboDiffusion.Farm.Options;
using TurboDiffusion.Silo.Health;
using TurboDiffusion.Silo.Options;

namespace TurboDiffusion.Cli.Commands;

/// <summary>
/// <c>turbo silo</c>: an Orleans silo with one GPU worker, serving health, metrics and the drain request over HTTP;
/// <c>turbo silo drain</c> asks the silo on this machine to drain (a pod's preStop hook).
/// </summary>
public static class SiloCommand
{
    public const int DrainFailed = 1;

    public static Command Create(Func<IConfigurationRoot> configuration)
    {
        var command = new Command("silo", $"Serve one GPU worker as a silo of the farm (Redis membership from Turbo:Redis:ConnectionString); HTTP on Turbo:Http:Urls (default {FarmHost.DefaultSiloUrls}) serves health, metrics and drain only.");
        command.SetAction((parse, cancellationToken) => FarmProcess.ServeAsync(parse, configuration(), FarmRole.Silo, null, cancellationToken));
        command.Subcommands.Add(CreateDrain(configuration));
        return command;
    }

    private static Command CreateDrain(Func<IConfigurationRoot> configuration)
    {
        var url = new Option<string?>("--url") { Description = "The silo's HTTP address; default: the port of Turbo:Http:Urls on 127.0.0.1." };
        var wait = new Option<bool>("--wait") { Description = "Return once the worker holds no job (its job finished or was handed back)." };
        var drain = new Command("drain", "Ask the silo on this machine to stop taking jobs; its readiness fails at once.") { url, wait };
        drain.SetAction(async (parse, cancellationToken) =>
        {
            var settings = configuration();
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            Uri silo;
            TimeSpan timeout;
            try
            {
                silo = parse.GetValue(url) is { } given ? SiloAddress(given) : LocalSilo(settings);
                timeout = (settings.GetSection(WorkerOptions.Section).Get<WorkerOptions>() ?? new WorkerOptions()).ShutdownTimeout;
            }
            catch (Exception e) when (e is OptionsValidationException or InvalidOperationException or ArgumentException)
            {
                stderr.WriteLine($"error: {e.Message}");
                return FarmProcess.BadSettings;
            }

            using var http = new HttpClient { BaseAddress = silo, Timeout = timeout };
            try
            {
                using var response = await http.PostAsync(new Uri(parse.GetValue(wait) ? "drain?wait=true" : "drain", UriKind.Relative), null, cancellationToken).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode)
                {
                    stderr.WriteLine($"error: {silo} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)}");
                    return DrainFailed;
                }

                var answer = await response.Content.ReadFromJsonAsync<DrainAnswer>(cancellationToken).ConfigureAwait(false);
                stdout.WriteLine(answer is { Drained: true }
                    ? $"drained: the worker at {silo} holds no job and takes none"
                    : $"draining: the worker at {silo} takes no new jobs{(answer?.JobId is { } job ? $"; job {job} may finish within Turbo:Worker:DrainGracePeriod" : "")}");
                return 0;
            }
            catch (HttpRequestException e)
            {
                stderr.WriteLine($"error: no silo answered at {silo}: {e.Message}");
                return DrainFailed;
            }
        });
        return drain;
    }

    private static Uri SiloAddress(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var address) && address.Scheme == Uri.UriSchemeHttp
            ? new Uri(address.AbsoluteUri.TrimEnd('/') + "/")
            : throw new ArgumentException($"--url '{text}' is not the silo's http address, e.g. http://127.0.0.1:8481.");

    /// <summary>The silo's own HTTP port on loopback: where a preStop hook inside its container reaches it.</summary>
    private static Uri LocalSilo(IConfiguration settings)
    {
        var port = TurboHttpOptions.Read(settings, FarmHost.DefaultSiloUrls).Urls[0].Port;
        return new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/");
    }
}
