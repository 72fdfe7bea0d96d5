using System.CommandLine;
using System.Text.Json;
using TurboDiffusion.Cli.Benchmarks;
using TurboDiffusion.Client.Models;
using TurboDiffusion.Engine;
using TurboDiffusion.Engine.Pipelines;
using TurboDiffusion.Engine.Runtime;

namespace TurboDiffusion.Cli.Commands;

/// <summary>
/// <c>turbo bench pipeline</c>: end-to-end renders with one warm engine (text encoding, denoising, VAE decode,
/// MP4), timed per stage. The model loads first (timed apart); the first run includes the device's warm-up, later runs are warm.
/// </summary>
public static class BenchPipelineCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Model id or directory (random-1.3B, random-14B, tiny, ...).", DefaultValueFactory = _ => "random-1.3B" };
        var resolution = new Option<string>("--resolution") { Description = "144p, 480p or 720p.", DefaultValueFactory = _ => "480p" };
        resolution.AcceptOnlyFromAmong([.. WireNames.All<JobResolution>()]);
        var frames = new Option<int>("--frames") { Description = "Frames, 4k+1.", DefaultValueFactory = _ => 81 };
        var steps = new Option<int>("--steps") { Description = "Sampler steps.", DefaultValueFactory = _ => 4 };
        var runs = new Option<int>("--runs") { Description = "Renders with the same warm engine.", DefaultValueFactory = _ => 2 };
        var outDir = new Option<DirectoryInfo>("--out") { Description = "Where the videos go.", DefaultValueFactory = _ => new DirectoryInfo(Path.GetTempPath()) };
        var json = new Option<FileInfo?>("--json") { Description = "Also write the results as JSON to this file." };
        var image = new Option<FileInfo?>("--image") { Description = "First-frame image for an image-to-video model; a synthetic 1280x720 one when the model needs one and none is given." };
        var deviceMemory = new Option<double?>("--device-memory") { Description = "Cap the GPU memory the engine may take at this many GiB, as on a smaller card; the plan fits within it." };
        deviceMemory.Validators.Add(result =>
        {
            if (result.GetValue(deviceMemory) is <= 0)
            {
                result.AddError("--device-memory must be a positive number of GiB.");
            }
        });
        var command = new Command("pipeline", "Time end-to-end renders (text encode, denoise, decode, MP4) with one warm engine.")
        {
            model, resolution, frames, steps, runs, outDir, json, image, deviceMemory,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(deviceMemory) is { } giB)
            {
                try
                {
                    output.WriteLine(DeviceMemoryCap.Apply(giB));
                }
                catch (InvalidOperationException e)
                {
                    parse.InvocationConfiguration.Error.WriteLine($"bench pipeline: {e.Message}");
                    return 1;
                }
            }

            var firstFrame = parse.GetValue(image)?.FullName ?? BenchImage.IfNeeded(parse.GetValue(model)!, parse.GetValue(outDir)!.FullName);
            using var engine = new WarmVideoEngine();
            var load = System.Diagnostics.Stopwatch.StartNew();
            await engine.LoadAsync(parse.GetValue(model)!, cancellationToken: cancellationToken).ConfigureAwait(false);
            output.WriteLine($"model {parse.GetValue(model)} loaded on {engine.Status.Device} in {load.Elapsed.TotalSeconds:F1} s; attention: {string.Join("; ", engine.Status.Models.Select(m => m.Attention))}");
            output.WriteLine($"allocator counters: {AllocatorCounters.Status}");
            var results = new List<PipelineRun>();
            for (var run = 1; run <= parse.GetValue(runs); run++)
            {
                var request = new VideoRequest(
                    "a red fox running through fresh snow at dawn", parse.GetValue(model)!,
                    EngineVocabulary.Resolution(parse.GetValue(resolution)!),
                    AspectRatio.Landscape16x9, parse.GetValue(frames), parse.GetValue(steps), run, Path.Combine(parse.GetValue(outDir)!.FullName, $"bench-{run}.mp4"))
                {
                    ImagePath = firstFrame,
                };
                var result = await engine.GenerateAsync(request, cancellationToken: cancellationToken).ConfigureAwait(false);
                var status = engine.Status;
                results.Add(new PipelineRun(run, status.Device, request.Model, result.Width, result.Height, result.Frames, request.Steps,
                    result.StageTimings.ToDictionary(t => t.Key.ToString(), t => t.Value.TotalSeconds), status.DeviceBytesInUse,
                    (result.StagePeakAllocatedBytes ?? new Dictionary<GenerationStage, long>()).ToDictionary(p => p.Key.ToString(), p => p.Value), result.EncodedWhileDecoding));
                output.WriteLine($"run {run}: {string.Join(", ", result.StageTimings.Select(t => $"{GenerationProgressPrinter.Describe(t.Key)} {t.Value.TotalSeconds:F2} s"))}");
            }

            BenchmarkTable.WritePipeline(output, results);
            if (parse.GetValue(json) is { } file)
            {
                await File.WriteAllTextAsync(file.FullName, JsonSerializer.Serialize(new { Date = DateTime.UtcNow.ToString("u"), Command = "turbo bench pipeline", Results = results }, BenchmarkTable.Json), cancellationToken).ConfigureAwait(false);
            }

            return 0;
        });
        return command;
    }
}
