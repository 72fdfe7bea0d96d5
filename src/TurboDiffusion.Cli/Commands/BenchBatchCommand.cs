using System.CommandLine;
using System.Text.Json;
using TurboDiffusion.Cli.Benchmarks;

namespace TurboDiffusion.Cli.Commands;

/// <summary>
/// <c>turbo bench batch</c>: one large batch through the all-in-one farm on the simulated engine, as a studio drives it
/// through the SDK: upload, first lease, summary latency while jobs run, listing, cancel, and Redis bytes per job.
/// </summary>
public static class BenchBatchCommand
{
    public static Command Create()
    {
        var jobs = new Option<int>("--jobs") { Description = "Items in the batch.", DefaultValueFactory = _ => 100_000 };
        jobs.Validators.Add(r =>
        {
            if (r.GetValue(jobs) is < 1 or > 1_000_000)
            {
                r.AddError("--jobs must be between 1 and 1,000,000.");
            }
        });
        var stepMs = new Option<int>("--step-ms") { Description = "Simulated time per sampler step (each job runs 1 step), so the queue stays long while the batch is probed.", DefaultValueFactory = _ => 20 };
        stepMs.Validators.Add(r =>
        {
            if (r.GetValue(stepMs) is < 0 or > 60_000)
            {
                r.AddError("--step-ms must be between 0 and 60,000.");
            }
        });
        var redis = new Option<string?>("--redis") { Description = "Keep job state in this Redis (a connection string such as 127.0.0.1:6379) under a key prefix of its own, deleted afterwards; in memory when left out." };
        var separateGateway = new Option<bool>("--separate-gateway") { Description = "Run the gateway as its own OS process (turbo gateway) beside the silo, and report that process's memory; needs --redis." };
        var json = new Option<FileInfo?>("--json") { Description = "Also write the result as JSON to this file." };
        var command = new Command("batch", "Time a large batch through the all-in-one farm (simulated engine): upload, first lease, summary, listing, cancel, Redis bytes per job.")
        {
            jobs, stepMs, redis, separateGateway, json,
        };
        command.Validators.Add(r =>
        {
            if (r.GetValue(separateGateway) && r.GetValue(redis) is null)
            {
                r.AddError("--separate-gateway needs --redis: the gateway process finds the silo and the job state through Redis.");
            }
        });
        command.SetAction(async (parse, cancellationToken) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var settings = new BatchBenchmarkSettings(parse.GetValue(jobs), TimeSpan.FromMilliseconds(parse.GetValue(stepMs)), parse.GetValue(redis), SeparateGateway: parse.GetValue(separateGateway));
            var result = await BatchBenchmark.RunAsync(settings, output, cancellationToken).ConfigureAwait(false);
            BenchmarkTable.WriteBatch(output, result);
            if (parse.GetValue(json) is { } file)
            {
                await File.WriteAllTextAsync(file.FullName, JsonSerializer.Serialize(new { Date = DateTime.UtcNow.ToString("u"), Command = "turbo bench batch", Result = result }, BenchmarkTable.Json), cancellationToken).ConfigureAwait(false);
            }

            return 0;
        });
        return command;
    }
}
