using System.CommandLine;
using System.Text.Json;
using TurboDiffusion.Cli.Benchmarks;
using TurboDiffusion.Client.Models;
using TurboDiffusion.Engine.Pipelines;

namespace TurboDiffusion.Cli.Commands;

/// <summary>
/// <c>turbo bench worker</c>: one GPU worker's steady-state videos per minute on the real engine, with the next job's
/// text encoding and denoising overlapping the last one's decode, encode and upload and without, each on a fresh
/// all-in-one farm in this process.
/// </summary>
public static class BenchWorkerCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Model id or directory (random-1.3B, random-14B, tiny, ...).", DefaultValueFactory = _ => "tiny" };
        var resolution = new Option<string>("--resolution") { Description = "144p, 480p or 720p.", DefaultValueFactory = _ => "144p" };
        resolution.AcceptOnlyFromAmong([.. WireNames.All<JobResolution>()]);
        var frames = new Option<int>("--frames") { Description = "Frames, 4k+1.", DefaultValueFactory = _ => 17 };
        var steps = new Option<int>("--steps") { Description = "Sampler steps (1 to 4).", DefaultValueFactory = _ => 4 };
        var jobs = new Option<int>("--jobs") { Description = "Jobs queued at once after the warm-up job.", DefaultValueFactory = _ => 20 };
        jobs.Validators.Add(r =>
        {
            if (r.GetValue(jobs) is < 1 or > 10_000)
            {
                r.AddError("--jobs must be between 1 and 10,000.");
            }
        });
        var overlap = new Option<string[]>("--overlap") { Description = "Worker settings to run, one fresh farm each: off (one job's stages in turn), on (the next job's text encoding and denoising beside the last one's decode, encode and upload).", AllowMultipleArgumentsPerToken = true, DefaultValueFactory = _ => ["off", "on"] };
        overlap.AcceptOnlyFromAmong("on", "off");
        var json = new Option<FileInfo?>("--json") { Description = "Also write the results as JSON to this file." };
        var command = new Command("worker", "Time one worker's steady state (videos per minute, per-stage time, DiT busy share, device memory) with and without the next job's denoising overlapping the last one's decode, encode and upload.")
        {
            model, resolution, frames, steps, jobs, overlap, json,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var output = parse.InvocationConfiguration.Output;
            if (!WireNames.TryParse<JobResolution>(parse.GetValue(resolution), out var chosen))
            {
                parse.InvocationConfiguration.Error.WriteLine($"bench worker: {WireNames.Unknown<JobResolution>(parse.GetValue(resolution)!)}");
                return 2;
            }

            var settings = new WorkerBenchmarkSettings(parse.GetValue(model)!, chosen, parse.GetValue(frames), parse.GetValue(steps),
                parse.GetValue(jobs), [.. parse.GetValue(overlap)!.Select(o => o == "on")]);
            var rows = await WorkerBenchmark.RunAsync(settings, on => new WarmVideoEngine(overlap: on ? DecodeOverlap.On : DecodeOverlap.Off), output, cancellationToken).ConfigureAwait(false);
            BenchmarkTable.WriteWorker(output, settings, rows);
            if (parse.GetValue(json) is { } file)
            {
                await File.WriteAllTextAsync(file.FullName, JsonSerializer.Serialize(new { Date = DateTime.UtcNow.ToString("u"), Command = "turbo bench worker", Settings = settings, Rows = rows }, BenchmarkTable.Json), cancellationToken).ConfigureAwait(false);
            }

            return 0;
        });
        return command;
    }
}
