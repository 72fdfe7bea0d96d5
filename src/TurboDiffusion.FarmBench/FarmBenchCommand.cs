using System.CommandLine;
using System.Text.Json;
using Microsoft.Extensions.Configuration;

namespace TurboDiffusion.FarmBench;

/// <summary>
/// <c>turbo-farm-bench</c>: N in-process silos with simulated engines take M jobs; reports submission rate,
/// scheduling overhead per job, completion throughput and the time to requeue a job after its silo is killed.
/// Farm settings (Turbo:Lease, Turbo:Scheduler, Turbo:Worker ...) come from the usual configuration.
/// </summary>
public static class FarmBenchCommand
{
    public const int UsageError = 1;

    public static RootCommand Create(Func<IConfigurationRoot> configuration)
    {
        var silos = new Option<int>("--silos") { Description = "In-process silos, each with one GPU worker (simulated engine).", DefaultValueFactory = _ => 4 };
        var jobs = new Option<int>("--jobs") { Description = "Jobs to submit.", DefaultValueFactory = _ => 10_000 };
        var tenants = new Option<int>("--tenants") { Description = "Tenants the jobs are spread over.", DefaultValueFactory = _ => 4 };
        var models = new Option<int>("--models") { Description = "Models the jobs are spread over.", DefaultValueFactory = _ => 2 };
        var kills = new Option<int>("--kills") { Description = "Silos killed one after another mid-job to time the requeue (must be fewer than --silos).", DefaultValueFactory = _ => 3 };
        var concurrency = new Option<int>("--concurrency") { Description = "Submissions in flight at once.", DefaultValueFactory = _ => 64 };
        var json = new Option<FileInfo?>("--json") { Description = "Also write the results as JSON to this file." };
        var store = new Option<BenchStore>("--store") { Description = "Job state in memory, or in the Redis of Turbo:Redis:ConnectionString (under a key prefix deleted afterwards).", DefaultValueFactory = _ => BenchStore.Memory };
        foreach (var option in new[] { silos, jobs, tenants, models, concurrency })
        {
            option.Validators.Add(result =>
            {
                if (result.GetValueOrDefault<int>() < 1)
                {
                    result.AddError($"{result.Option.Name} must be at least 1.");
                }
            });
        }

        var command = new RootCommand("Benchmark the farm core: in-process silos with simulated engines (no GPU), thousands of jobs, silo kills.")
        {
            silos, jobs, tenants, models, kills, concurrency, store, json,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            // Checked here rather than in a validator, where options left at their defaults read as 0.
            if (parse.GetValue(kills) is var k && (k < 0 || k >= parse.GetValue(silos)))
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"--kills must be between 0 and --silos - 1 ({parse.GetValue(silos) - 1}); one silo has to survive.");
                return UsageError;
            }

            var settings = new FarmBenchSettings(parse.GetValue(silos), parse.GetValue(jobs), parse.GetValue(tenants), parse.GetValue(models), parse.GetValue(kills), parse.GetValue(concurrency), parse.GetValue(store));
            var output = parse.InvocationConfiguration.Output;
            var result = await new FarmBench(settings, configuration(), line => output.WriteLine(line)).RunAsync(cancellationToken);
            result.WriteTable(output);
            if (parse.GetValue(json) is { } file)
            {
                await File.WriteAllTextAsync(file.FullName, JsonSerializer.Serialize(result, FarmBenchResult.JsonOptions), cancellationToken);
                output.WriteLine($"JSON written to {file.FullName}");
            }

            return 0;
        });
        return command;
    }
}
