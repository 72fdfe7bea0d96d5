using System.CommandLine;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using TurboDiffusion.Farm.Options;

namespace TurboDiffusion.FarmBench;

/// <summary>
/// <c>turbo-farm-bench</c>: N in-process silos with simulated engines take M jobs; reports submission rate,
/// scheduling overhead per job, completion throughput, and with kills the requeue and resume times of the jobs
/// interrupted, with an audit of every accepted job (lost, duplicated, succeeded without artifact: all must be 0), and
/// the model switches per 100 jobs and the wait from submission to lease under each switch rule asked for.
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
        var loadSeconds = new Option<double[]>("--load-seconds")
        {
            Description = "Simulated model load time in seconds: one value for every model, or the first and last model's, the others spread evenly between (e.g. 5 60).",
            AllowMultipleArgumentsPerToken = true,
            Arity = new ArgumentArity(1, 2),
            DefaultValueFactory = _ => [0],
        };
        var switchRules = new Option<SwitchRule[]>("--switch-rule")
        {
            Description = "Scheduler switch rules to run, one fresh cluster each, side by side (affinity, priced).",
            AllowMultipleArgumentsPerToken = true,
            Arity = ArgumentArity.OneOrMore,
            DefaultValueFactory = _ => [SchedulerOptions.DefaultSwitchRule],
        };
        var repeats = new Option<double>("--repeats")
        {
            Description = "Share of the jobs (0 to 1) that repeat the prompt and seed of an earlier job of the same tenant and model: what render once can answer.",
            DefaultValueFactory = _ => 0,
        };
        var arrivalSeconds = new Option<double>("--arrival-seconds") { Description = "Without kills, spread the submissions evenly over this many seconds (0: all at once).", DefaultValueFactory = _ => 0 };
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
            silos, jobs, tenants, models, kills, killInterval, renderMs, loadSeconds, switchRules, arrivalSeconds, repeats, concurrency, store, json,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var loads = parse.GetValue(loadSeconds) is { Length: > 0 } given ? given : [0];
            var arrival = parse.GetValue(arrivalSeconds);

            // Checked here rather than in validators, where options left at their defaults read as 0.
            var repeated = parse.GetValue(repeats);
            if ((Misuse(parse.GetValue(kills), parse.GetValue(silos), parse.GetValue(killInterval), parse.GetValue(renderMs)) ?? Misuse(loads, arrival, parse.GetValue(kills))
                ?? (double.IsFinite(repeated) && repeated is >= 0 and <= 1 ? null : $"--repeats takes a share from 0 to 1, got {repeated}.")) is { } misuse)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync(misuse);
                return UsageError;
            }

            var output = parse.InvocationConfiguration.Output;
            var results = new List<FarmBenchResult>();
            foreach (var rule in parse.GetValue(switchRules)!.Distinct())
            {
                var settings = new FarmBenchSettings(parse.GetValue(silos), parse.GetValue(jobs), parse.GetValue(tenants), parse.GetValue(models), parse.GetValue(kills), parse.GetValue(concurrency),
                    parse.GetValue(store), TimeSpan.FromSeconds(parse.GetValue(killInterval)), TimeSpan.FromMilliseconds(parse.GetValue(renderMs)),
                    rule, TimeSpan.FromSeconds(loads[0]), TimeSpan.FromSeconds(loads[^1]), TimeSpan.FromSeconds(arrival), repeated);
                var result = await new FarmBench(settings, configuration(), line => output.WriteLine(line)).RunAsync(cancellationToken);
                result.WriteTable(output);
                results.Add(result);
            }

            if (results.Count > 1)
            {
                FarmBenchResult.WriteComparison(results, output);
            }

            if (parse.GetValue(json) is { } file)
            {
                object written = results.Count == 1 ? results[0] : results;
                await File.WriteAllTextAsync(file.FullName, JsonSerializer.Serialize(written, FarmBenchResult.JsonOptions), cancellationToken);
                output.WriteLine($"JSON written to {file.FullName}");
            }

            return results.All(r => r.Audit.Holds) ? 0 : AuditFailed;
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

    private static string? Misuse(double[] loadSeconds, double arrivalSeconds, int kills) => (loadSeconds, arrivalSeconds, kills) switch
    {
        _ when loadSeconds.Any(s => !double.IsFinite(s) || s is < 0 or > 3600) => "--load-seconds must be between 0 and 3600 seconds.",
        _ when loadSeconds[^1] < loadSeconds[0] => $"--load-seconds {loadSeconds[0]} {loadSeconds[^1]}: the last model's load must be at least the first's; give the shortest first.",
        (_, < 0 or > 86_400, _) => "--arrival-seconds must be between 0 and 86400.",
        (_, > 0, > 0) => "--arrival-seconds applies only without kills (--kills 0): kills spread the submissions over kills x --kill-interval themselves.",
        _ => null,
    };
}
