namespace TurboDiffusion.Engine.Pipelines;

/// <summary>
/// The files of one model directory, laid out with the official file names:
/// <list type="bullet">
/// <item>text encoder <c>models_t5_umt5-xxl-enc-bf16.pth</c> and tokenizer <c>google/umt5-xxl/spiece.model</c> (or <c>spiece.model</c>);</item>
/// <item>VAE <c>Wan2.1_VAE.pth</c>;</item>
/// <item>text-to-video DiT: a <c>TurboWan2.1-T2V-*.pth</c> checkpoint or the official <c>diffusion_pytorch_model*.safetensors</c>;</item>
/// <item>image-to-video (Wan2.2 A14B) experts: <c>TurboWan2.2-I2V-A14B-high-*.pth</c> and <c>-low-*.pth</c>, or the official
/// <c>high_noise_model/</c> and <c>low_noise_model/</c> folders.</item>
/// </list>
/// </summary>
/// <param name="Dit">The T2V DiT checkpoint, or the I2V high-noise expert.</param>
/// <param name="LowNoiseDit">The I2V low-noise expert; null for T2V.</param>
public sealed record ModelFiles(string Directory, string Dit, string? LowNoiseDit, string TextEncoder, string Tokenizer, string Vae)
{
    public const string TextEncoderFile = "models_t5_umt5-xxl-enc-bf16.pth";
    public const string VaeFile = "Wan2.1_VAE.pth";

    public bool IsImageToVideo => LowNoiseDit is not null;

    /// <summary>Finds the files in <paramref name="directory"/>; anything missing is one error listing what is expected.</summary>
    public static ModelFiles Resolve(string directory)
    {
        var root = Path.GetFullPath(directory);
        if (!System.IO.Directory.Exists(root))
        {
            throw new ModelNotFoundException($"Model directory '{root}' does not exist. Pass a directory laid out with the official file names, or 'tiny'.");
        }

        var missing = new List<string>();
        var textEncoder = Require(root, missing, $"text encoder {TextEncoderFile}", TextEncoderFile);
        var tokenizer = Require(root, missing, "tokenizer google/umt5-xxl/spiece.model", Path.Combine("google", "umt5-xxl", "spiece.model"), "spiece.model");
        var vae = Require(root, missing, $"VAE {VaeFile}", VaeFile);
        var high = Expert(root, "high");
        var low = Expert(root, "low");
        var dit = high ?? TextToVideoDit(root);
        if (high is not null && low is null)
        {
            missing.Add("the low-noise expert (TurboWan2.2-I2V-A14B-low-*.pth or low_noise_model/) beside the high-noise one");
        }
        else if (dit is null)
        {
            missing.Add("a DiT checkpoint (TurboWan2.1-T2V-*.pth, diffusion_pytorch_model*.safetensors, or the A14B high/low experts)");
        }

        if (missing.Count > 0)
        {
            throw new ModelNotFoundException($"Model directory '{root}' lacks: {string.Join("; ", missing)}.");
        }

        return new ModelFiles(root, dit!, low, textEncoder!, tokenizer!, vae!);
    }

    private static string? Require(string root, List<string> missing, string what, params string[] candidates)
    {
        var found = candidates.Select(c => Path.Combine(root, c)).FirstOrDefault(File.Exists);
        if (found is null)
        {
            missing.Add(what);
        }

        return found;
    }

    private static string? TextToVideoDit(string root)
    {
        // A plain (bf16) Turbo checkpoint before its -quant sibling: W8A8 runs dequantized without the int8 kernels.
        var turbo = System.IO.Directory.EnumerateFiles(root, "TurboWan2.1-T2V-*.pth")
            .OrderBy(f => f.Contains("-quant", StringComparison.Ordinal)).ThenBy(f => f, StringComparer.Ordinal).FirstOrDefault();
        if (turbo is not null)
        {
            return turbo;
        }

        return System.IO.Directory.EnumerateFiles(root, "diffusion_pytorch_model*.safetensors*").Any() ? root : null;
    }

    private static string? Expert(string root, string noise)
    {
        var turbo = System.IO.Directory.EnumerateFiles(root, $"TurboWan2.2-I2V-A14B-{noise}-*.pth")
            .OrderBy(f => f.Contains("-quant", StringComparison.Ordinal)).ThenBy(f => f, StringComparer.Ordinal).FirstOrDefault();
        var official = Path.Combine(root, $"{noise}_noise_model");
        return turbo ?? (System.IO.Directory.Exists(official) ? official : null);
    }
}

/// <summary>A model id or directory names nothing usable; the message lists what was expected.</summary>
public sealed class ModelNotFoundException(string message) : JobInputException(message);
