using System.CommandLine;
using Microsoft.Extensions.Configuration;
using TurboDiffusion.Cli.Configuration;
using TurboDiffusion.Cli.Failures;
using TurboDiffusion.Client.Models;
using TurboDiffusion.Engine.Checkpoints;
using TurboDiffusion.Engine.Media;
using TurboDiffusion.Engine;
using TurboDiffusion.Engine.Pipelines;
using TurboDiffusion.Engine.Runtime;
using TurboDiffusion.Engine.Planning;

namespace TurboDiffusion.Cli.Commands;

/// <summary>
/// <c>turbo generate "prompt"</c>: one video on this machine's GPU (or CPU), with stage progress and a timing
/// summary. Exit codes: 0 written; 1 the render failed; 2 bad input (prompt, options, image, model files).
/// A failure prints <c>error: reason</c> and, where one is known, <c>fix: ...</c>; its stack trace only with <c>--verbose</c>.
/// </summary>
public static class GenerateCommand
{
    public const int RenderFailed = 1;
    public const int BadInput = 2;

    public static Command Create(Func<IConfigurationRoot> configuration)
    {
        var prompt = new Argument<string>("prompt") { Description = "What the video shows." };
        var image = new Option<FileInfo?>("--image") { Description = "First frame (PNG or JPEG) for image-to-video." };
        var model = new Option<string?>("--model") { Description = "A model directory with the official file names, or a built-in untrained model: tiny (runs on a CPU), random-1.3B, random-14B, random-A14B (real architectures with random weights). Default: Turbo:Engine:Model, else tiny." };
        var steps = new Option<int>("--steps") { Description = $"Sampler steps, {SamplerStepsRule.Min} to {SamplerStepsRule.Max}.", DefaultValueFactory = _ => 4 };
        var seed = new Option<long>("--seed") { Description = "Seed of every noise draw; the same seed gives the same video.", DefaultValueFactory = _ => 0 };
        var resolution = new Option<string?>("--resolution") { Description = "144p, 480p or 720p. Default: 144p for tiny, 480p for text-to-video, 720p for image-to-video." };
        resolution.AcceptOnlyFromAmong([.. WireNames.All<JobResolution>()]);
        var aspect = new Option<string>("--aspect-ratio") { Description = "16:9, 9:16, 1:1, 4:3 or 3:4 (image-to-video follows the image).", DefaultValueFactory = _ => "16:9" };
        aspect.AcceptOnlyFromAmong([.. WireNames.All<JobAspectRatio>()]);
        var frames = new Option<int>("--frames") { Description = "Frames, 4k+1 (81 = 5 s at 16 fps).", DefaultValueFactory = _ => 81 };
        var output = new Option<FileInfo>("--out") { Description = "The MP4 to write; its JSON sidecar goes beside it.", DefaultValueFactory = _ => new FileInfo("video.mp4") };
        var pngFrames = new Option<bool>("--png-frames") { Description = "Also write every frame as PNG into <out>_frames/." };
        var attention = AttentionSettings.AttentionOption();
        var topK = AttentionSettings.TopKOption();
        var linears = LinearsSettings.LinearsOption();
        var verbose = new Option<bool>("--verbose") { Description = "Show the stack trace of a failure." };

        var command = new Command("generate", "Render one video from a prompt (and optionally a first-frame image) on this machine.")
        {
            prompt, image, model, steps, seed, resolution, aspect, frames, output, pngFrames, attention, topK, linears, verbose,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            var settings = configuration();
            var modelId = parse.GetValue(model) ?? settings["Turbo:Engine:Model"] ?? VideoPipelineLoader.Tiny;
            var imagePath = parse.GetValue(image)?.FullName;
            var request = new VideoRequest(
                parse.GetValue(prompt) ?? "",
                modelId,
                DefaultResolution(parse.GetValue(resolution), modelId, imagePath is not null),
                EngineVocabulary.Aspect(parse.GetValue(aspect)!),
                parse.GetValue(frames),
                parse.GetValue(steps),
                parse.GetValue(seed),
                parse.GetValue(output)!.FullName,
                imagePath,
                parse.GetValue(pngFrames));
            try
            {
                VideoRequestValidator.Validate(request);
                if (!RenderPreflight.InputsPass([modelId], Path.GetDirectoryName(request.OutputPath)!, stderr))
                {
                    return BadInput;
                }

                using var engine = new WarmVideoEngine(
                    attention: AttentionSettings.Resolve(settings, parse.GetValue(attention), parse.GetValue(topK)),
                    textEncoder: TextEncoderSettings.Resolve(settings),
                    linears: LinearsSettings.Resolve(settings, parse.GetValue(linears)));
                if (!await RenderPreflight.PassesAsync(engine, [modelId], Path.GetDirectoryName(request.OutputPath)!, stdout, stderr, cancellationToken).ConfigureAwait(false))
                {
                    return BadInput;
                }

                stdout.WriteLine($"device: {engine.Status.Device}");
                if (VideoPipelineLoader.IsUntrained(modelId))
                {
                    stdout.WriteLine($"model: built-in {modelId} model, UNTRAINED (random weights): the video shows noise, not the prompt. Pass --model DIR for real weights.");
                }

                var result = GenerationProgressBars.Usable(stdout)
                    ? await GenerationProgressBars.RunAsync(progress => engine.GenerateAsync(request, progress, cancellationToken)).ConfigureAwait(false)
                    : await engine.GenerateAsync(request, new GenerationProgressPrinter(stdout), cancellationToken).ConfigureAwait(false);
                foreach (var resident in engine.Status.Models)
                {
                    stdout.WriteLine($"attention: {resident.Attention}");
                    stdout.WriteLine($"linears: {resident.Linears}");
                }

                WriteSummary(stdout, result);
                if (engine.Status is { DeviceBytesTotal: > 0 } status)
                {
                    stdout.WriteLine($"device memory in use: {status.DeviceBytesInUse / (double)(1L << 30):F1} of {status.DeviceBytesTotal / (double)(1L << 30):F1} GiB (the caching allocator's high-water mark)");
                }
                return 0;
            }
            catch (Exception e) when (e is ArgumentException or FormatException or ModelNotFoundException or CheckpointException or ImageFormatException or NotSupportedException)
            {
                ErrorReport.Write(stderr, e, parse.GetValue(verbose));
                return BadInput;
            }
            catch (LibTorchNotFoundException e)
            {
                ErrorReport.Write(stderr, e, parse.GetValue(verbose));
                return BadInput;
            }
            catch (Exception e) when (e is FfmpegException or FfmpegNotFoundException or MachineFaultException or IOException)
            {
                ErrorReport.Write(stderr, e, parse.GetValue(verbose));
                return RenderFailed;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Whatever else the engine threw (libtorch, CUDA): the message is what the user can act on.
                ErrorReport.Write(stderr, e, parse.GetValue(verbose), "run it again with --verbose for the stack trace");
                return RenderFailed;
            }
        });
        return command;
    }

    private static VideoResolution DefaultResolution(string? given, string model, bool imageToVideo) =>
        given is not null ? EngineVocabulary.Resolution(given)
        : model == VideoPipelineLoader.Tiny ? VideoResolution.P144
        : imageToVideo ? VideoResolution.P720
        : VideoResolution.P480;

    private static void WriteSummary(TextWriter output, VideoResult result)
    {
        output.WriteLine($"wrote {result.VideoPath} ({result.Width}x{result.Height}, {result.Frames} frames) and {result.SidecarPath}");
        if (result.FramesDirectory is { } frames)
        {
            output.WriteLine($"frames in {frames}");
        }

        foreach (var (stage, time) in result.StageTimings.OrderBy(t => t.Key))
        {
            output.WriteLine($"  {GenerationProgressPrinter.Describe(stage),-22} {time.TotalSeconds,8:F2} s");
        }

        output.WriteLine($"  {"total",-22} {result.StageTimings.Values.Sum(t => t.TotalSeconds),8:F2} s");
    }
}
