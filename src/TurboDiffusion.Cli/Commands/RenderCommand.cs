using System.CommandLine;
using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Configuration;
using TurboDiffusion.Cli.Commands.Remote;
using TurboDiffusion.Cli.Configuration;
using TurboDiffusion.Cli.Failures;
using TurboDiffusion.Cli.Farm;
using TurboDiffusion.Cli.Logging;
using TurboDiffusion.Client;
using TurboDiffusion.Client.Models;
using TurboDiffusion.Engine;
using TurboDiffusion.Engine.Pipelines;
using TurboDiffusion.Engine.Runtime;
using TurboDiffusion.Engine.Planning;

namespace TurboDiffusion.Cli.Commands;

/// <summary>
/// <c>turbo render prompts.txt|prompts.jsonl [--out DIR]</c>: starts the farm in this process (silo, GPU worker,
/// gateway and dashboard on loopback), or with <c>--gateway URL</c> uses a running farm, submits the file as one batch
/// through the gateway, shows each job's progress and the whole, writes each video and its sidecar as it finishes, and
/// prints a summary with one line per job (why a failed job failed, and the fix). The farm's log goes to <c>DIR/turbo-render.log</c>; the terminal gets its errors
/// as one line each, or with <c>--verbose</c> all of it, stack traces included.
/// Exit codes: 0 every job succeeded; 1 some job failed or was canceled; 2 bad input (file, options).
/// </summary>
public static class RenderCommand
{
    public const int SomeFailed = 1;
    public const int BadInput = 2;

    /// <summary>Frames of a tiny-model job that names none: about one second, so a CPU renders a file in minutes.</summary>
    public const int TinyDefaultFrames = 17;

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    public static Command Create(Func<IConfigurationRoot> configuration)
    {
        var file = new Argument<FileInfo>("file") { Description = "Prompts: one per line (.txt), or one JSON job request per line (.jsonl)." };
        var output = new Option<DirectoryInfo>("--out") { Description = $"Where the videos go (NN-prompt.mp4 and .json), and the farm's log ({RenderLog.FileName}, stack traces included).", DefaultValueFactory = _ => new DirectoryInfo("out") };
        var model = new Option<string?>("--model") { Description = "Model of jobs that name none: a model directory or a built-in model. Default: Turbo:Engine:Model, else tiny (untrained, runs on a CPU)." };
        var frames = new Option<int?>("--frames") { Description = $"Frames of jobs that name none, 4k+1. Default: {TinyDefaultFrames} for tiny, else 81." };
        var steps = new Option<int?>("--steps") { Description = $"Sampler steps ({SamplerStepsRule.Min} to {SamplerStepsRule.Max}) of jobs that name none. Default: 4." };
        var port = new Option<int>("--port") { Description = "The gateway and dashboard port on 127.0.0.1; 0 picks a free one.", DefaultValueFactory = _ => 0 };
        var attention = AttentionSettings.AttentionOption();
        var topK = AttentionSettings.TopKOption();
        var linears = LinearsSettings.LinearsOption();
        var gateway = new Option<string?>("--gateway") { Description = "Render on a running farm through its gateway (e.g. http://127.0.0.1:8480) instead of starting one here; models and engine settings are then the farm's." };
        var apiKey = new Option<string?>("--api-key") { Description = "Your tenant's API key for --gateway. Default: Turbo:Client:ApiKey (environment Turbo__Client__ApiKey)." };
        var verbose = new Option<bool>("--verbose") { Description = $"Also show the farm's log here, stack traces included (it always goes to {RenderLog.FileName} in --out)." };
        var command = new Command("render", "Render a file of prompts on a farm started in this process, with a live dashboard, or on a running farm (--gateway).")
        {
            file, output, model, frames, steps, port, attention, topK, linears, gateway, apiKey, verbose,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            var settings = configuration();
            var remote = parse.GetValue(gateway);
            // On a running farm a job that names no model gets the gateway's default model.
            var modelId = parse.GetValue(model) ?? (remote is null ? settings["Turbo:Engine:Model"] ?? VideoPipelineLoader.Tiny : null);
            IReadOnlyList<JobRequest> requests;
            DitAttentionOptions attentionOptions;
            DitLinears linearsChoice;
            TextEncoderDevice textEncoder;
            DecodeOverlap overlap;
            string outDirectory;
            RenderLog log;
            try
            {
                attentionOptions = AttentionSettings.Resolve(settings, parse.GetValue(attention), parse.GetValue(topK));
                linearsChoice = LinearsSettings.Resolve(settings, parse.GetValue(linears));
                textEncoder = TextEncoderSettings.Resolve(settings);
                overlap = DecodeOverlapSettings.Resolve(settings);
                var defaultFrames = parse.GetValue(frames) ?? (modelId == VideoPipelineLoader.Tiny ? TinyDefaultFrames : null);
                requests = [.. PromptFile.Read(parse.GetValue(file)!.FullName).Select(r => r with
                {
                    Model = r.Model ?? modelId,
                    Frames = r.Frames ?? defaultFrames,
                    Steps = r.Steps ?? parse.GetValue(steps),
                })];
                outDirectory = Directory.CreateDirectory(parse.GetValue(output)!.FullName).FullName;
                log = RenderLog.Open(outDirectory, parse.GetValue(verbose));
            }
            catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException)
            {
                stderr.WriteLine($"error: {e.Message}");
                return BadInput;
            }

            using (log)
            {
                var terminal = new Terminal(stdout, stderr, parse.GetValue(verbose));
                if (remote is not null)
                {
                    if (!Uri.TryCreate(remote, UriKind.Absolute, out var address) || address.Scheme is not ("http" or "https"))
                    {
                        stderr.WriteLine($"error: --gateway '{remote}' is not an http(s) URL; give the gateway's address, e.g. {GatewayConnection.DefaultGateway}.");
                        return BadInput;
                    }

                    var options = new TurboClientOptions { BaseAddress = new Uri(address.AbsoluteUri.TrimEnd('/') + "/"), ApiKey = parse.GetValue(apiKey) ?? settings["Turbo:Client:ApiKey"] };
                    return await RunRemoteAsync(options, new RenderPlan(requests, modelId, outDirectory), log, terminal, cancellationToken).ConfigureAwait(false);
                }

                if (!RenderPreflight.InputsPass(requests.Select(r => r.Model!), outDirectory, stderr))
                {
                    return BadInput;
                }

                // The farm's worker takes this engine over (and disposes it); built here to check the machine first.
                WarmVideoEngine engine;
                try
                {
                    engine = new WarmVideoEngine(attention: attentionOptions, textEncoder: textEncoder, linears: linearsChoice, overlap: overlap);
                }
                catch (LibTorchNotFoundException e)
                {
                    ErrorReport.Write(stderr, e, parse.GetValue(verbose));
                    return BadInput;
                }

                if (!await RenderPreflight.PassesAsync(engine, requests.Select(r => r.Model!), outDirectory, stdout, stderr, cancellationToken).ConfigureAwait(false))
                {
                    engine.Dispose();
                    return BadInput;
                }

                var farmSettings = new FarmHostSettings(FarmRole.All, () => engine, parse.GetValue(port), FreeClusterPorts: true, Private: true, Logging: log.Configure,
                    AdmitModels: [.. requests.Select(r => r.Model!).Distinct(StringComparer.Ordinal)]);
                return await RunEmbeddedAsync(settings, farmSettings, new RenderPlan(requests, modelId!, outDirectory), log, terminal, cancellationToken).ConfigureAwait(false);
            }
        });
        return command;
    }

    /// <summary>The jobs to render, with the defaults applied, and where their videos go.</summary>
    /// <param name="ModelId">The model of jobs that name none; null leaves it to the gateway's default.</param>
    private sealed record RenderPlan(IReadOnlyList<JobRequest> Requests, string? ModelId, string OutDirectory);

    /// <summary>Where the command writes, and whether stack traces are shown there.</summary>
    private sealed record Terminal(TextWriter Out, TextWriter Error, bool Verbose);

    private static async Task<int> RunEmbeddedAsync(IConfigurationRoot settings, FarmHostSettings farmSettings, RenderPlan plan, RenderLog log, Terminal terminal, CancellationToken cancellationToken)
    {
        // The farm's own copies live only as long as this command; the videos are written to --out.
        var scratch = Directory.CreateTempSubdirectory("turbo-render-").FullName;
        try
        {
            return await GuardAsync(log, terminal, async () =>
            {
                await using var farm = await FarmHost.StartAsync(settings, farmSettings with { ArtifactsDirectory = scratch }, cancellationToken).ConfigureAwait(false);
                terminal.Out.WriteLine($"farm: {farm.Address} (dashboard; REST API under /v1), open to this machine only while this command runs");
                if (plan.ModelId is { } model && VideoPipelineLoader.IsUntrained(model))
                {
                    terminal.Out.WriteLine($"model: built-in {model} model, UNTRAINED (random weights): the videos show noise, not the prompts. Pass --model DIR for real weights.");
                }

                using var client = new TurboFarmClient(new TurboClientOptions { BaseAddress = farm.Address });
                return await RenderAsync(client, plan, log, terminal, cancellationToken).ConfigureAwait(false);
            }).ConfigureAwait(false);
        }
        finally
        {
            // What the farm logged for the terminal while it stopped.
            log.Notices.WriteTo(terminal.Error);
            Directory.Delete(scratch, recursive: true);
        }
    }

    private static Task<int> RunRemoteAsync(TurboClientOptions options, RenderPlan plan, RenderLog log, Terminal terminal, CancellationToken cancellationToken) =>
        GuardAsync(log, terminal, async () =>
        {
            terminal.Out.WriteLine($"farm: {options.BaseAddress} (a running farm; its dashboard is there)");
            using var client = new TurboFarmClient(options);
            return await RenderAsync(client, plan, log, terminal, cancellationToken).ConfigureAwait(false);
        });

    /// <summary>Ends the render the way a user can act on: a refused batch is bad input, anything else a failure with its log.</summary>
    private static async Task<int> GuardAsync(RenderLog log, Terminal terminal, Func<Task<int>> render)
    {
        try
        {
            return await render().ConfigureAwait(false);
        }
        catch (TurboFarmException e) when (e.Status is System.Net.HttpStatusCode.BadRequest or System.Net.HttpStatusCode.Unauthorized or System.Net.HttpStatusCode.Forbidden)
        {
            terminal.Error.WriteLine($"error: {e.Detail ?? e.Message}");
            return BadInput;
        }
        catch (HttpRequestException e)
        {
            log.Record(e);
            terminal.Error.WriteLine($"error: the gateway is not reachable ({e.Message}); check --gateway, or render without it on a farm started here.");
            return SomeFailed;
        }
        catch (Exception e) when (e is TurboFarmException or IOException)
        {
            log.Record(e);
            ErrorReport.Write(terminal.Error, e, terminal.Verbose);
            return SomeFailed;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.Record(e);
            ErrorReport.Write(terminal.Error, e, terminal.Verbose, $"the stack trace is in {log.Path}");
            return SomeFailed;
        }
    }

    private static async Task<int> RenderAsync(TurboFarmClient client, RenderPlan plan, RenderLog log, Terminal terminal, CancellationToken cancellationToken)
    {
        var (requests, stdout) = (plan.Requests, terminal.Out);
        var clock = Stopwatch.StartNew();
        var batch = await client.SubmitBatchAsync(requests.ToAsyncEnumerable(), cancellationToken: cancellationToken).ConfigureAwait(false);
        stdout.WriteLine($"submitted {batch.Total} jobs as batch {batch.Id}");
        var names = requests.Select((r, i) => FileName(i, requests.Count, r.Prompt)).ToList();
        var tracker = new RenderTracker(client, batch.Id, names, plan.OutDirectory);
        try
        {
            if (GenerationProgressBars.Usable(stdout))
            {
                await RenderDisplay.RunWithBarsAsync(tracker, log.Notices, PollInterval, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await RenderDisplay.RunWithLinesAsync(tracker, log.Notices, stdout, terminal.Error, PollInterval, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            stdout.WriteLine("stopping: canceling the batch's unfinished jobs");
            await client.CancelBatchAsync(batch.Id, CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        RenderDisplay.WriteSummary(stdout, tracker, clock.Elapsed, log.Path);
        return tracker.Jobs.All(j => j.Status == JobStatus.Succeeded) ? 0 : SomeFailed;
    }

    /// <summary>"01-a-red-fox-in-snow": the line number, then the prompt's first words.</summary>
    public static string FileName(int index, int count, string prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        var slug = new StringBuilder();
        foreach (var c in prompt.ToLowerInvariant())
        {
            if (char.IsAsciiLetterOrDigit(c))
            {
                slug.Append(c);
            }
            else if (slug.Length > 0 && slug[^1] != '-')
            {
                slug.Append('-');
            }

            if (slug.Length >= 40)
            {
                break;
            }
        }

        var digits = Math.Max(2, count.ToString(System.Globalization.CultureInfo.InvariantCulture).Length);
        return $"{(index + 1).ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(digits, '0')}-{slug.ToString().Trim('-')}";
    }
}
