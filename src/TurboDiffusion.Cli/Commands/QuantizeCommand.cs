using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Spectre.Console;
using TurboDiffusion.Cli.Configuration;
using TurboDiffusion.Cli.Failures;
using TurboDiffusion.Engine.Checkpoints;
using TurboDiffusion.Engine.Checkpoints.Quantization;
using TurboDiffusion.Engine.Runtime;

namespace TurboDiffusion.Cli.Commands;

/// <summary>
/// <c>turbo quantize IN OUT</c>: a dense (bf16) TurboDiffusion or Wan DiT checkpoint to the official <c>-quant.pth</c> layout
/// (W8A8 block linears as int8 weights and 128x128 tile scales), streamed tensor by tensor, with progress.
/// Exit codes: 0 written; 1 writing failed (disk, I/O); 2 bad input (not a dense DiT checkpoint, truncated, OUT exists without --force).
/// </summary>
public static class QuantizeCommand
{
    public const int WriteFailed = 1;
    public const int BadInput = 2;

    public static Command Create(Func<IConfigurationRoot> configuration)
    {
        var input = new Argument<string>("in") { Description = "The dense DiT checkpoint: a TurboDiffusion .pth, an official Wan safetensors file, shard index or model directory." };
        var output = new Argument<FileInfo>("out") { Description = "The -quant .pth to write; it appears only once complete." };
        var force = new Option<bool>("--force") { Description = "Replace OUT when it exists." };
        var verbose = new Option<bool>("--verbose") { Description = "Show the stack trace of a failure." };
        var command = new Command("quantize", "Convert a bf16 DiT checkpoint to the W8A8 -quant layout (int8 weights and tile scales), as the official conversion does.")
        {
            input, output, force, verbose,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            var (source, target) = (parse.GetValue(input)!, parse.GetValue(output)!.FullName);
            if (File.Exists(target) && !parse.GetValue(force))
            {
                stderr.WriteLine($"error: {target} exists; pass --force to replace it, or choose another OUT.");
                return BadInput;
            }

            try
            {
                TorchRuntime.EnsureLoaded(TurboConfiguration.EngineOptions(configuration()));
                var summary = GenerationProgressBars.Usable(stdout)
                    ? await WithBarAsync(progress => Quantize(source, target, parse.GetValue(force), progress, cancellationToken)).ConfigureAwait(false)
                    : await Quantize(source, target, parse.GetValue(force), new QuantizeProgressPrinter(stdout), cancellationToken).ConfigureAwait(false);
                stdout.WriteLine($"wrote {summary.Output}: {summary.Model}, {summary.Int8Layers} int8 linears, {summary.Tensors} tensors, " +
                    $"{QuantizeProgressPrinter.Size(summary.InputWeightBytes)} of weights in, {QuantizeProgressPrinter.Size(summary.OutputWeightBytes)} out");
                return 0;
            }
            catch (Exception e) when (e is CheckpointException or ArgumentException or LibTorchNotFoundException)
            {
                ErrorReport.Write(stderr, e, parse.GetValue(verbose));
                return BadInput;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                ErrorReport.Write(stderr, e, parse.GetValue(verbose));
                return WriteFailed;
            }
        });
        return command;
    }

    // The conversion is synchronous reading and writing; off the caller's thread so Ctrl+C is seen between tensors.
    private static Task<QuantizeSummary> Quantize(string input, string output, bool overwrite, IProgress<QuantizeProgress> progress, CancellationToken cancellationToken) =>
        Task.Run(() => CheckpointQuantizer.Quantize(input, output, overwrite, progress, cancellationToken), cancellationToken);

    private static Task<QuantizeSummary> WithBarAsync(Func<IProgress<QuantizeProgress>, Task<QuantizeSummary>> work) =>
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(context =>
            {
                var bar = context.AddTask("quantizing");
                return work(new Relay(p =>
                {
                    bar.MaxValue = Math.Max(1, p.TotalBytes);
                    bar.Value = p.BytesWritten;
                    bar.Description = $"quantizing: {QuantizeProgressPrinter.Describe(p)}";
                }));
            });

    private sealed class Relay(Action<QuantizeProgress> report) : IProgress<QuantizeProgress>
    {
        public void Report(QuantizeProgress value) => report(value);
    }
}
