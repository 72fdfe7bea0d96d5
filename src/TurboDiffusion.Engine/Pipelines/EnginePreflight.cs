using TurboDiffusion.Engine.Media;
using TurboDiffusion.Engine.Text;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Pipelines;

/// <summary>
/// The engine's own checks before it takes work: the device computes, the encoder encodes a tiny clip, every file
/// of the requested model directories opens for reading, and the tokenizer loads. Each problem names what is wrong and the fix; nothing here
/// throws for a problem.
/// </summary>
public static class EnginePreflight
{
    public static List<PreflightProblem> Check(PreflightRequest request, Device device, VideoEncoderChoice encoder)
    {
        ArgumentNullException.ThrowIfNull(request);
        var problems = new List<PreflightProblem>();
        problems.AddRange(CheckDevice(device));
        problems.AddRange(CheckEncoder(encoder, request.ScratchDirectory));
        foreach (var model in request.Models.Where(m => !VideoPipelineLoader.IsUntrained(m)).Distinct(StringComparer.Ordinal))
        {
            problems.AddRange(CheckModelFiles(model));
        }

        return problems;
    }

    /// <summary>The files of a model directory exist and open for reading, and its tokenizer loads; built-in models have none.</summary>
    public static IReadOnlyList<PreflightProblem> CheckModelFiles(string model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (VideoPipelineLoader.IsUntrained(model))
        {
            return [];
        }

        ModelFiles files;
        try
        {
            files = ModelFiles.Resolve(model);
        }
        catch (ModelNotFoundException e)
        {
            return [new PreflightProblem("model files", e.Message, $"download the missing files into the directory (README, Models), or pass one of the built-in models ({string.Join(", ", VideoPipelineLoader.UntrainedModels)}).")];
        }

        var unreadable = new List<string>();
        foreach (var file in new[] { files.Dit, files.LowNoiseDit, files.TextEncoder, files.Tokenizer, files.Vae }.OfType<string>().SelectMany(FilesOf))
        {
            try
            {
                using var stream = File.OpenRead(file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                unreadable.Add($"{file} ({e.Message})");
            }
        }

        return unreadable.Count == 0
            ? CheckTokenizer(files.Tokenizer)
            : [new PreflightProblem("model files", $"cannot read {string.Join("; ", unreadable)}.", "give this user read access to the model directory, or copy the files again.")];
    }

    /// <summary>The tokenizer loads in well under a second, and a damaged one would otherwise fail only after the checkpoints have loaded.</summary>
    private static IReadOnlyList<PreflightProblem> CheckTokenizer(string tokenizer)
    {
        try
        {
            Umt5Tokenizer.Load(tokenizer);
            return [];
        }
        catch (InvalidDataException e)
        {
            return [new PreflightProblem("model files", e.Message, "download spiece.model again (google/umt5-xxl/spiece.model of the model's release): this copy is damaged.")];
        }
    }

    /// <summary>The encoder writes and finishes a 2-frame clip in the scratch folder.</summary>
    public static IReadOnlyList<PreflightProblem> CheckEncoder(VideoEncoderChoice encoder, string scratchDirectory)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        try
        {
            Directory.CreateDirectory(scratchDirectory);
            VideoEncoders.SelfTest(encoder, scratchDirectory);
            return [];
        }
        catch (Exception e) when (e is FfmpegException or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            var fix = encoder.IsFfmpeg
                ? $"reinstall ffmpeg with the libx264 encoder ({encoder.ExecutablePath}), or take it off PATH so the built-in encoder writes the videos."
                : "check that the scratch folder can be written and has space.";
            return [new PreflightProblem("encoder", $"{encoder.Name} failed its test encode: {e.Message.ReplaceLineEndings(" ")}", fix)];
        }
    }

    private static IEnumerable<string> FilesOf(string path) =>
        Directory.Exists(path) ? Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories) : [path];

    private static IReadOnlyList<PreflightProblem> CheckDevice(Device device)
    {
        try
        {
            using var ones = TorchSharp.torch.ones(8, device: device);
            using var sum = ones.sum();
            var total = sum.cpu().item<float>();
            return total == 8
                ? []
                : [new PreflightProblem("device", $"{device} computed 1 x 8 = {total}.", "run `turbo doctor` and check the driver and the card.")];
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return [new PreflightProblem("device", $"{device} failed a test computation: {e.Message}", "run `turbo doctor`; check the CUDA driver (nvidia-smi) and that no other process holds the card.")];
        }
    }
}
