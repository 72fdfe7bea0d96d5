using System.CommandLine;
using System.Net;
using Microsoft.Extensions.Configuration;
using TurboDiffusion.Client;

namespace TurboDiffusion.Cli.Commands.Remote;

/// <summary>
/// The options every gateway command shares (--gateway, --api-key; defaults from Turbo:Client:Gateway and
/// Turbo:Client:ApiKey) and how their failures end: 2 for bad input (refused here or by the gateway), 1 for anything else.
/// </summary>
public sealed class GatewayConnection
{
    public const int Failed = 1;
    public const int BadInput = 2;
    public const string DefaultGateway = "http://127.0.0.1:8480/";

    private readonly Option<string?> gateway = new("--gateway") { Description = $"The gateway's URL. Default: Turbo:Client:Gateway, else {DefaultGateway} (turbo farm up)." };
    private readonly Option<string?> apiKey = new("--api-key") { Description = "Your tenant's API key. Default: Turbo:Client:ApiKey (environment Turbo__Client__ApiKey)." };

    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Options.Add(gateway);
        command.Options.Add(apiKey);
    }

    public TurboFarmClient Connect(ParseResult parse, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(parse);
        ArgumentNullException.ThrowIfNull(configuration);
        var text = parse.GetValue(gateway) ?? configuration["Turbo:Client:Gateway"] ?? DefaultGateway;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var address))
        {
            throw new ArgumentException($"--gateway '{text}' is not an absolute URL; give the gateway's address, e.g. {DefaultGateway}.");
        }

        return new TurboFarmClient(new TurboClientOptions
        {
            BaseAddress = address.AbsoluteUri.EndsWith('/') ? address : new Uri(address.AbsoluteUri + "/"),
            ApiKey = parse.GetValue(apiKey) ?? configuration["Turbo:Client:ApiKey"],
        });
    }

    /// <summary>Runs a gateway call, printing its failure the way a user can act on.</summary>
    public static async Task<int> RunAsync(TextWriter stderr, Func<Task<int>> call)
    {
        ArgumentNullException.ThrowIfNull(stderr);
        ArgumentNullException.ThrowIfNull(call);
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (TurboFarmException e)
        {
            stderr.WriteLine($"error: {e.Message}");
            foreach (var (field, problems) in e.Errors)
            {
                stderr.WriteLine($"  {field}: {string.Join(" ", problems)}");
            }

            if (e.RetryAfter is { } wait)
            {
                stderr.WriteLine($"  retry after {wait.TotalSeconds:0} s");
            }

            return e.Status is HttpStatusCode.BadRequest or HttpStatusCode.NotFound or HttpStatusCode.Conflict ? BadInput : Failed;
        }
        catch (HttpRequestException e)
        {
            stderr.WriteLine($"error: the gateway is not reachable ({e.Message}); start one with `turbo farm up` or pass --gateway URL.");
            return Failed;
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            stderr.WriteLine($"error: {e.Message}");
            return BadInput;
        }
    }
}
