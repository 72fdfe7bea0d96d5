using System.CommandLine;
using System.Text.Json;
using TurboDiffusion.Cli.Benchmarks;
using TurboDiffusion.Engine.Runtime;
using static TorchSharp.torch;

namespace TurboDiffusion.Cli.Commands;

/// <summary><c>turbo bench attention</c>: dense SDPA against SLA on the native kernel at Wan's real shapes (CUDA only).</summary>
public static class BenchAttentionCommand
{
    public static Command Create()
    {
        var shapes = new Option<string[]>("--shape") { Description = "1.3B-480P (L 32,760, 12 heads) and/or 14B-720P (L 75,600, 40 heads).", DefaultValueFactory = _ => ["1.3B-480P", "14B-720P"], AllowMultipleArgumentsPerToken = true };
        shapes.AcceptOnlyFromAmong("1.3B-480P", "14B-720P");
        var topKs = new Option<double[]>("--topk") { Description = "Fractions of key blocks kept.", DefaultValueFactory = _ => [0.1, 0.15], AllowMultipleArgumentsPerToken = true };
        var warmup = new Option<int>("--warmup") { DefaultValueFactory = _ => 2 };
        var iterations = new Option<int>("--iterations") { DefaultValueFactory = _ => 10 };
        var json = new Option<FileInfo?>("--json") { Description = "Also write the results as JSON to this file." };
        var command = new Command("attention", "Time dense SDPA and SLA (native sparse and linear kernels) at real shapes, side by side.") { shapes, topKs, warmup, iterations, json };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            if (!NativeBenchPrerequisites.Met(parse, "bench attention"))
            {
                return 1;
            }

            var results = parse.GetValue(shapes)!
                .Select(name => name == "14B-720P" ? AttentionShape.Wan14B720P : AttentionShape.Wan13B480P)
                .SelectMany(shape => AttentionBenchmark.Run(shape, parse.GetValue(topKs)!, parse.GetValue(warmup), parse.GetValue(iterations), output.WriteLine))
                .ToList();
            BenchmarkTable.WriteAttention(output, results);
            if (parse.GetValue(json) is { } file)
            {
                File.WriteAllText(file.FullName, JsonSerializer.Serialize(new { Date = DateTime.UtcNow.ToString("u"), Command = "turbo bench attention", Results = results }, BenchmarkTable.Json));
            }

            return 0;
        });
        return command;
    }
}
