using System.CommandLine;
using System.Text.Json;
using TurboDiffusion.Cli.Benchmarks;
using TurboDiffusion.Engine.Media;

namespace TurboDiffusion.Cli.Commands;

/// <summary><c>turbo bench encode</c>: the MP4 encoder's speed, size and quality at each x264 preset and CRF, on this host's cores.</summary>
public static class BenchEncodeCommand
{
    public static Command Create()
    {
        var clips = new Option<EncodeClip[]>("--clip")
        {
            Description = "Synthetic clips: noise (the worst case) and smooth (gradients and a drifting disc).",
            DefaultValueFactory = _ => [EncodeClip.Noise, EncodeClip.Smooth],
            AllowMultipleArgumentsPerToken = true,
        };
        var width = new Option<int>("--width") { DefaultValueFactory = _ => 832 };
        var height = new Option<int>("--height") { DefaultValueFactory = _ => 480 };
        var frames = new Option<int>("--frames") { DefaultValueFactory = _ => 81 };
        var presets = new Option<X264Preset[]>("--preset")
        {
            Description = "x264 presets to compare.",
            DefaultValueFactory = _ => [X264Preset.Ultrafast, X264Preset.Superfast, X264Preset.Veryfast, X264Preset.Faster, X264Preset.Medium],
            AllowMultipleArgumentsPerToken = true,
        };
        var crfs = new Option<int[]>("--crf")
        {
            Description = "Constant rate factors to compare (0-51; lower is larger and better).",
            DefaultValueFactory = _ => [Mp4Options.DefaultConstantRateFactor, 23],
            AllowMultipleArgumentsPerToken = true,
        };
        var json = new Option<FileInfo?>("--json") { Description = "Also write the results as JSON to this file." };
        width.Validators.Add(result => EvenSize(result, "--width"));
        height.Validators.Add(result => EvenSize(result, "--height"));
        frames.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 1 or > 1000)
            {
                result.AddError($"--frames takes 1 to 1000, got {result.GetValueOrDefault<int>()}");
            }
        });
        crfs.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int[]>() is { } values && values.Any(v => v is < 0 or > 51))
            {
                result.AddError($"--crf takes values from 0 to 51, got {string.Join(", ", values)}");
            }
        });
        var command = new Command("encode", "Time the MP4 encoder (ffmpeg, libx264) at each preset and CRF on synthetic clips, with file size and PSNR.")
        {
            clips, width, height, frames, presets, crfs, json,
        };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var ffmpeg = VideoEncoders.Choose(new Mp4Options()) is { IsFfmpeg: true, ExecutablePath: { } path } ? path : null;
            if (ffmpeg is null)
            {
                parse.InvocationConfiguration.Error.WriteLine($"bench encode measures ffmpeg's encoder, and there is no ffmpeg here: {VideoEncoders.InstallHint}.");
                return 2;
            }

            var scratch = Directory.CreateTempSubdirectory("turbo-bench-encode-");
            try
            {
                var results = parse.GetValue(clips)!.Distinct().SelectMany(clip => EncodeBenchmark.Run(
                    ffmpeg, clip, parse.GetValue(width), parse.GetValue(height), parse.GetValue(frames), parse.GetValue(presets)!, parse.GetValue(crfs)!,
                    scratch.FullName, output.WriteLine)).ToList();
                output.WriteLine($"{ffmpeg} on {Environment.ProcessorCount} cores; {EncodeBenchmark.FramesPerSecond} fps; PSNR of the decoded file's luma against the frames written");
                BenchmarkTable.WriteEncode(output, results);
                if (parse.GetValue(json) is { } file)
                {
                    File.WriteAllText(
                        file.FullName,
                        JsonSerializer.Serialize(new { Date = DateTime.UtcNow.ToString("u"), Command = "turbo bench encode", Cores = Environment.ProcessorCount, Results = results }, BenchmarkTable.Json));
                }

                return 0;
            }
            finally
            {
                scratch.Delete(recursive: true);
            }
        });
        return command;
    }

    private static void EvenSize(System.CommandLine.Parsing.OptionResult result, string name)
    {
        var value = result.GetValueOrDefault<int>();
        if (value < 16 || value > 4096 || value % 2 != 0)
        {
            result.AddError($"{name} takes an even number of pixels from 16 to 4096, got {value}");
        }
    }
}
