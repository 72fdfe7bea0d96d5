using System.CommandLine;
using System.Text.Json;
using TurboDiffusion.Cli.Benchmarks;
using TurboDiffusion.Engine.Runtime;
using static TorchSharp.torch;

namespace TurboDiffusion.Cli.Commands;

/// <summary><c>turbo bench gemm</c>: the W8A8 linear's kernels against cuBLAS bf16 at the DiT's shapes (CUDA only).</summary>
public static class BenchGemmCommand
{
    public static Command Create()
    {
        var tokens = new Option<long[]>("--tokens")
        {
            Description = "Activation rows M: 32,760 is 81 frames at 480P, 75,600 at 720P.",
            DefaultValueFactory = _ => [32_760, 75_600],
            AllowMultipleArgumentsPerToken = true,
        };
        tokens.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<long[]>() is { } values && values.Any(m => m < 1 || m > int.MaxValue))
            {
                result.AddError($"--tokens takes row counts from 1 to {int.MaxValue}, got {string.Join(", ", values)}");
            }
        });
        var warmup = new Option<int>("--warmup") { DefaultValueFactory = _ => 3 };
        var iterations = new Option<int>("--iterations") { DefaultValueFactory = _ => 20 };
        var json = new Option<FileInfo?>("--json") { Description = "Also write the results as JSON to this file." };
        var command = new Command("gemm", "Time the int8 W8A8 linear (each tensor-core path, quantization, both) against cuBLAS bf16 at Wan's shapes.")
        {
            tokens, warmup, iterations, json,
        };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            if (!NativeBenchPrerequisites.Met(parse, "bench gemm"))
            {
                return 1;
            }

            var results = GemmShape.Wan(parse.GetValue(tokens)!)
                .SelectMany(shape => GemmBenchmark.Run(shape, parse.GetValue(warmup), parse.GetValue(iterations), output.WriteLine))
                .ToList();
            output.WriteLine($"{(TorchRuntime.Describe().Devices is [var gpu, ..] ? gpu.Name : "cuda")}; TOP/s = 2·M·N·K / time");
            BenchmarkTable.WriteGemm(output, results);
            if (parse.GetValue(json) is { } file)
            {
                File.WriteAllText(file.FullName, JsonSerializer.Serialize(new { Date = DateTime.UtcNow.ToString("u"), Command = "turbo bench gemm", Results = results }, BenchmarkTable.Json));
            }

            return 0;
        });
        return command;
    }
}
