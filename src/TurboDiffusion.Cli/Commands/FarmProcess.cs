using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using TurboDiffusion.Cli.Configuration;
using TurboDiffusion.Cli.Farm;
using TurboDiffusion.Engine;
using TurboDiffusion.Engine.Pipelines;
using TurboDiffusion.Engine.Planning;

namespace TurboDiffusion.Cli.Commands;

/// <summary>
/// Serves one farm process (<c>turbo farm up</c>, <c>turbo silo</c>, <c>turbo gateway</c>) until Ctrl+C or SIGTERM,
/// then stops it: a silo drains its worker first. Settings that are wrong or missing end it with exit code 2 and
/// the setting's name, before anything listens.
/// </summary>
internal static class FarmProcess
{
    public const int BadSettings = 2;

    public static async Task<int> ServeAsync(ParseResult parse, IConfigurationRoot settings, FarmRole role, int? port, CancellationToken cancellationToken)
    {
        var stdout = parse.InvocationConfiguration.Output;
        var stderr = parse.InvocationConfiguration.Error;
        Func<IVideoEngine>? engine = null;
        if (role != FarmRole.Gateway)
        {
            DitAttentionOptions attention;
            DitLinears linears;
            TextEncoderDevice textEncoder;
            DecodeOverlap overlap;
            try
            {
                attention = AttentionSettings.Resolve(settings);
                linears = LinearsSettings.Resolve(settings);
                textEncoder = TextEncoderSettings.Resolve(settings);
                overlap = DecodeOverlapSettings.Resolve(settings);
            }
            catch (FormatException e)
            {
                stderr.WriteLine($"error: {e.Message}");
                return BadSettings;
            }

            engine = () => new WarmVideoEngine(attention: attention, textEncoder: textEncoder, linears: linears, overlap: overlap);
        }

        FarmHost farm;
        try
        {
            farm = await FarmHost.StartAsync(settings, new FarmHostSettings(role, engine, port, LogLevel: Microsoft.Extensions.Logging.LogLevel.Information), cancellationToken).ConfigureAwait(false);
        }
        catch (OptionsValidationException e)
        {
            foreach (var failure in e.Failures)
            {
                stderr.WriteLine($"error: {failure}");
            }

            return BadSettings;
        }

        await using (farm.ConfigureAwait(false))
        {
            stdout.WriteLine(Banner(role, farm));
            stdout.WriteLine(role == FarmRole.Gateway
                ? "press Ctrl+C to stop"
                : "press Ctrl+C to stop (the running job may finish within Turbo:Worker:DrainGracePeriod)");
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                stdout.WriteLine(role == FarmRole.Gateway ? "stopping" : "stopping: draining the worker");
            }
        }

        return 0;
    }

    private static string Banner(FarmRole role, FarmHost farm) => role switch
    {
        FarmRole.Silo => $"silo: {farm.Address} (health at /health/live and /health/ready, metrics at /metrics, POST /drain from this machine)",
        FarmRole.Gateway => $"gateway: {farm.Address} (dashboard; REST API under /v1; OpenAPI at /openapi/v1.json){(farm.IsOpen ? ", open without API keys (Turbo:Gateway:Anonymous)" : "")}",
        _ => $"farm: {farm.Address} (dashboard; REST API under /v1; OpenAPI at /openapi/v1.json){(farm.IsOpen ? ", open to this machine only (no API keys configured)" : "")}",
    };
}
