using System.CommandLine;
using System.Runtime.InteropServices;
using System.Text.Json;
using TurboDiffusion.Cli.Benchmarks;
using TurboDiffusion.Cli.Configuration;
using TurboDiffusion.Engine;
using TurboDiffusion.Engine.Attention;
using TurboDiffusion.Engine.Models.Wan;
using TurboDiffusion.Engine.Pipelines;
using TurboDiffusion.Engine.Runtime;
using static TorchSharp.torch;

namespace TurboDiffusion.Cli.Commands;

/// <summary>
/// <c>turbo bench dit</c>: milliseconds per DiT forward at real video shapes with random weights, on the GPU
/// in bf16 (fp32 on CPU) or with W8A8 int8 block linears (--linears), for every model x resolution asked for. Cases that
/// run out of memory are reported.
/// </summary>
public static class BenchDitCommand
{
    private static readonly Dictionary<string, WanConfig> Models = new(StringComparer.OrdinalIgnoreCase)
    {
        ["1.3B"] = WanConfig.Wan21T2V1Point3B,
        ["14B"] = WanConfig.Wan21T2V14B,
        ["A14B"] = WanConfig.Wan22I2VA14BHighNoise,
        ["tiny"] = WanConfig.Tiny,
    };

    private static readonly Dictionary<string, (int Width, int Height)> Resolutions = new(StringComparer.OrdinalIgnoreCase)
    {
        ["480p"] = (832, 480),
        ["720p"] = (1280, 720),
    };

    public static Command Create()
    {
        var models = new Option<string[]>("--model") { Description = "Architectures: 1.3B, 14B, A14B (one expert), tiny.", DefaultValueFactory = _ => ["1.3B"], AllowMultipleArgumentsPerToken = true };
        models.AcceptOnlyFromAmong([.. Models.Keys]);
        var resolutions = new Option<string[]>("--resolution") { Description = "480p (832x480) and/or 720p (1280x720).", DefaultValueFactory = _ => ["480p"], AllowMultipleArgumentsPerToken = true };
        resolutions.AcceptOnlyFromAmong([.. Resolutions.Keys]);
        var frames = new Option<int>("--frames") { Description = "Video frames, 4k+1 (81 = 5 s at 16 fps).", DefaultValueFactory = _ => 81 };
        frames.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is var f && !FrameCountRule.IsValid(f))
            {
                r.AddError($"--frames must be 4k+1 (1, 5, ..., 81), got {f}.");
            }
        });
        var attention = new Option<string[]>("--attention") { Description = "Self-attention backends: dense (libtorch SDPA), sla (native sparse and linear kernels where loaded, else the reference), sla-reference (TorchSharp SLA reference), sagesla (native int8/fp8 SageSLA on Hopper tiles; needs the native kernels and an fp8-capable GPU).", DefaultValueFactory = _ => ["dense"], AllowMultipleArgumentsPerToken = true };
        attention.AcceptOnlyFromAmong("dense", "sla", "sla-reference", "sagesla");
        var topK = new Option<double>("--topk") { Description = "SLA: fraction of key blocks each query block attends (0.1 default, 0.15 recommended).", DefaultValueFactory = _ => SlaOptions.DefaultRatio };
        topK.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<double>() is var k && !(k > 0 && k <= 1))
            {
                r.AddError($"--topk must be in (0, 1], got {k}.");
            }
        });
        var linears = new Option<string[]>("--linears") { Description = "Block linears: bf16 (the device's precision) and/or int8 (W8A8, the random weights quantized at load).", DefaultValueFactory = _ => ["bf16"], AllowMultipleArgumentsPerToken = true };
        linears.AcceptOnlyFromAmong([.. LinearsSettings.Names.Where(n => LinearsSettings.Parse(n) != DitLinears.Auto)]);
        var fused = new Option<string[]>("--fused") { Description = "Blocks' elementwise glue: on (fused native kernels where they can run, else the reference), off (TorchSharp reference); both to compare.", DefaultValueFactory = _ => ["on"], AllowMultipleArgumentsPerToken = true };
        fused.AcceptOnlyFromAmong("on", "off");
        var warmup = new Option<int>("--warmup") { Description = "Forwards run before timing.", DefaultValueFactory = _ => 1 };
        var iterations = new Option<int>("--iterations") { Description = "Timed forwards (the median is reported).", DefaultValueFactory = _ => 5 };
        var json = new Option<FileInfo?>("--json") { Description = "Also write the results as JSON to this file." };

        var command = new Command("dit", "Time DiT forwards at real shapes with random weights (the 'original' dense baseline).")
        {
            models, resolutions, frames, attention, topK, linears, fused, warmup, iterations, json,
        };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            TorchRuntime.EnsureLoaded();
            var device = cuda.is_available() ? CUDA : CPU;
            if (device.type == TorchSharp.DeviceType.CUDA)
            {
                output.WriteLine($"allocator counters: {AllocatorCounters.Status}");
            }
            var results = new List<DitBenchmarkResult>();
            var failures = new List<string>();
            foreach (var model in parse.GetValue(models)!)
            {
                var cases = parse.GetValue(resolutions)!
                    .SelectMany(r => parse.GetValue(attention)!.Select(a => (Resolution: r, Backend: a)))
                    .SelectMany(c => parse.GetValue(fused)!.Select(f => (c.Resolution, c.Backend, Fused: f == "on")))
                    .SelectMany(c => parse.GetValue(linears)!.Select(l => (c.Resolution, c.Backend, c.Fused, Linears: LinearsSettings.Parse(l))));
                foreach (var (resolution, backend, fusedGlue, linearChoice) in cases)
                {
                    var (width, height) = Resolutions[resolution];
                    var run = new DitBenchmarkCase(Models[model], width, height, parse.GetValue(frames), backend, parse.GetValue(topK), fusedGlue, linearChoice);
                    output.WriteLine($"== {run.Config.Name} {width}x{height}x{run.Frames} ({run.Tokens:N0} tokens), {run.Attention} attention, {LinearsName(linearChoice)} linears, fused {(fusedGlue ? "on" : "off")}, {device}");
                    try
                    {
                        results.Add(DitBenchmark.Run(run, device, parse.GetValue(warmup), parse.GetValue(iterations), output.WriteLine));
                    }
                    catch (ExternalException e) when (e.Message.Contains("out of memory", StringComparison.OrdinalIgnoreCase))
                    {
                        failures.Add($"{run.Config.Name} {resolution}: out of device memory");
                        output.WriteLine($"{run.Config.Name} {resolution}: out of device memory, skipped");
                    }
                }
            }

            BenchmarkTable.WriteDit(output, results);
            foreach (var failure in failures)
            {
                output.WriteLine(failure);
            }

            if (parse.GetValue(json) is { } file)
            {
                File.WriteAllText(file.FullName, JsonSerializer.Serialize(
                    new { Date = DateTime.UtcNow.ToString("u"), Command = "turbo bench dit", Results = results, Failures = failures },
                    BenchmarkTable.Json));
                output.WriteLine($"wrote {file.FullName}");
            }

            return results.Count > 0 ? 0 : 1;
        });
        return command;
    }

    private static string LinearsName(DitLinears linears) => linears.ToString().ToLowerInvariant();
}
