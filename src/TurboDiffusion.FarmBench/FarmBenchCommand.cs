using System.CommandLine;
using System.Text.Json;
using Microsoft.Extensions.Configuration;

namespace TurboDiffusion.FarmBench;

/// <summary>
/// <c>turbo-farm-bench</c>: N in-process silos with simulated engines take M jobs; reports submission rate,
/// scheduling overhead per job, completion throughput, and with kills the requeue and resume times of the jobs
/// interrupted, with an audit of every accepted job (lost, duplicated, succeeded without artifact: all must be 0).
/// Farm settings (Turbo:Lease, Turbo:Scheduler, Turbo:Worker ...) come from the usual configuration.
/// </summary>
public static class FarmBenchCommand
{
    public const int UsageError = 1;

    /// <summary>The run finished but the audit found a lost, duplicated or artifact-less job.</summary>
    public const int AuditFailed = 2;

    public static RootCommand Create(Func<IConfigurationRoot> configuration)
    {
        var silos = new Option<int>("--silos") { Description = "In-process silos, each with one GPU worker (simulated engine).", DefaultValueFactory = _ => 4 };
        var jobs = new Option<int>("--jobs") { Description = "Jobs to submit.", DefaultValueFactory = _ => 10_000 };
        var tenants = new Option<int>("--tenants") { Description = "Tenants the jobs are spread over.", DefaultValueFactory = _ => 4 };
        var models = new Option<int>("--models") { Description = "Models the jobs are spread over.", DefaultValueFactory = _ => 2 };
        var kills = new Option<int>("--kills") { Description = "Silos killed (and replaced) during the workload, one every --kill-interval; any number, with at least 2 silos.", DefaultValueFactory = _ => 3 };
        var killInterval = new Option<double>("--kill-interval") { Description = "Seconds between kills; submissions are spread over kills x interval.", DefaultValueFactory = _ => 2 };
        var renderMs = new Option<int>("--render-ms") { Description = "Milliseconds the simulated engine takes per job.", DefaultValueFactory = _ => 200 };
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
            silos, jobs, tenants, models, kills, killInterval, renderMs, concurrency, store, json,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            // Checked here rather than in validators, where options left at their defaults read as 0.
            if (Misuse(parse.GetValue(kills), parse.GetValue(silos), parse.GetValue(killInterval), parse.GetValue(renderMs)) is { } misuse)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync(misuse);
                return UsageError;
            }

            var settings = new FarmBenchSettings(parse.GetValue(silos), parse.GetValue(jobs), parse.GetValue(tenants), parse.GetValue(models), parse.GetValue(kills), parse.GetValue(concurrency),
                parse.GetValue(store), TimeSpan.FromSeconds(parse.GetValue(killInterval)), TimeSpan.FromMilliseconds(parse.GetValue(renderMs)));
            var output = parse.InvocationConfiguration.Output;
            var result = await new FarmBench(settings, configuration(), line => output.WriteLine(line)).RunAsync(cancellationToken);
            result.WriteTable(output);
            if (parse.GetValue(json) is { } file)
            {
                await File.WriteAllTextAsync(file.FullName, JsonSerializer.Serialize(result, FarmBenchResult.JsonOptions), cancellationToken);
                output.WriteLine($"JSON written to {file.FullName}");
            }

            return result.Audit.Holds ? 0 : AuditFailed;
        });
        return command;
    }

    private static string? Misuse(int kills, int silos, double killInterval, int renderMs) => (kills, silos, killInterval, renderMs) switch
    {
        ( < 0, _, _, _) => "--kills must be 0 or more.",
        ( > 0, < 2, _, _) => $"--kills needs at least 2 silos (--silos {silos}): the first silo holds the cluster's membership and is never killed.",
        (_, _, <= 0 or > 3600, _) => "--kill-interval must be more than 0 and at most 3600 seconds.",
        (_, _, _, < 0) => "--render-ms must be 0 or more.",
        _ => null,
    };
}
