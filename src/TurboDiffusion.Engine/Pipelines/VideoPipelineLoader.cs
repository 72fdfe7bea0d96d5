using TurboDiffusion.Engine.Checkpoints;
using TurboDiffusion.Engine.Models.Umt5;
using TurboDiffusion.Engine.Models.Wan;
using TurboDiffusion.Engine.Models.WanVae;
using TurboDiffusion.Engine.Planning;
using TurboDiffusion.Engine.Text;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Pipelines;

/// <summary>
/// Builds a pipeline for a model id: a directory of official files, whose DiTs may be of any Wan-family size
/// (<see cref="WanConfigDetector"/> reads it from their shapes), or an untrained built-in model with
/// deterministic random weights: <c>tiny</c> (small enough for a CPU; text-to-video, or image-to-video for
/// image requests) and <c>random-1.3B</c>, <c>random-14B</c>, <c>random-A14B</c> (the real architectures,
/// to exercise and time a GPU without downloading weights). Each DiT's self-attention is decided once, before anything
/// loads, from <see cref="DitAttentionOptions"/> (<see cref="DitAttention"/>); the built-in models hold no SLA weights,
/// so they run dense.
/// </summary>
public static class VideoPipelineLoader
{
    public const string Tiny = "tiny";

    private static readonly Dictionary<string, UntrainedModel> Untrained = new(StringComparer.OrdinalIgnoreCase)
    {
        [Tiny] = new(WanConfig.Tiny, WanConfig.TinyI2V, Umt5Config.Tiny, WanVaeConfig.Tiny),
        ["random-1.3B"] = new(WanConfig.Wan21T2V1Point3B, null, Umt5Config.Xxl, WanVaeConfig.Wan21),
        ["random-14B"] = new(WanConfig.Wan21T2V14B, null, Umt5Config.Xxl, WanVaeConfig.Wan21),
        ["random-A14B"] = new(null, WanConfig.Wan22I2VA14BHighNoise, Umt5Config.Xxl, WanVaeConfig.Wan21),
    };

    /// <summary>The ids of the untrained built-in models.</summary>
    public static IReadOnlyCollection<string> UntrainedModels => Untrained.Keys;

    public static bool IsUntrained(string model) => Untrained.ContainsKey(model);

    /// <summary>The architectures of a built-in model (its image-to-video variant when asked for and there is one); null for other ids.</summary>
    public static ModelFootprint? UntrainedArchitecture(string model, bool imageToVideo)
    {
        if (!Untrained.TryGetValue(model, out var builtIn))
        {
            return null;
        }

        var config = (imageToVideo ? builtIn.ImageToVideo ?? builtIn.TextToVideo : builtIn.TextToVideo ?? builtIn.ImageToVideo)!;
        return new ModelFootprint(model, config, config.Task == WanTask.ImageToVideo ? 2 : 1, builtIn.TextEncoder, builtIn.Vae);
    }

    /// <param name="imageToVideo">For built-in models with both variants: build the image-to-video one.</param>
    /// <param name="residency">Where the parts live (a <see cref="MemoryPlan"/>'s choice; <see cref="Residency.OnDevice"/> when
    /// null): the text encoder on <paramref name="device"/>, or in host memory, encoding there or on <paramref name="device"/>;
    /// image-to-video experts each on <paramref name="device"/>, or sharing one copy there (<see cref="SwappedExperts"/>).</param>
    /// <param name="attention">The DiT's self-attention; <see cref="DitAttentionOptions.Default"/> (auto) when null.</param>
    /// <param name="linears">The DiT's block linears; auto (int8 for a <c>-quant</c> checkpoint, else bf16) by default.</param>
    /// <exception cref="CheckpointException">A file is unreadable, or SLA was asked for and a DiT lacks proj_l.</exception>
    /// <exception cref="NotSupportedException">SageSLA was asked for and cannot run here; the message says why.</exception>
    internal static IVideoPipeline Load(
        string model, bool imageToVideo, Device device, Residency? residency = null, DitAttentionOptions? attention = null, DitLinears linears = DitLinears.Auto)
    {
        var precision = EnginePrecision.For(device);
        attention ??= DitAttentionOptions.Default;
        residency ??= Residency.OnDevice;
        var text = residency.TextEncoder;
        var place = new Placement(text == TextEncoderPlacement.Cuda ? device : CPU, text == TextEncoderPlacement.Offloaded ? device : null, residency.Experts);
        return Untrained.TryGetValue(model, out var builtIn)
            ? LoadUntrained(model, builtIn, imageToVideo, device, precision, place, attention, linears)
            : LoadDirectory(ModelFiles.Resolve(model), device, precision, place, attention, linears);
    }

    /// <summary>One DiT checkpoint as <see cref="Load"/> loads it: in the device's precision, with the self-attention <paramref name="attention"/> decides and the linears <paramref name="linears"/> does.</summary>
    public static WanModel LoadDit(string path, Device device, DitAttentionOptions? attention = null, DitLinears linears = DitLinears.Auto)
    {
        using var dit = PreparedDit.Open(path, attention ?? DitAttentionOptions.Default, linears, EnginePrecision.For(device).Dit, device);
        return dit.Load();
    }

    private sealed record UntrainedModel(WanConfig? TextToVideo, WanConfig? ImageToVideo, Umt5Config TextEncoder, WanVaeConfig Vae);

    /// <summary>Where the text encoder's weights live, the device it encodes on when that is another (offloaded), and where the experts live.</summary>
    private sealed record Placement(Device TextWeights, Device? EncodeOn, ExpertPlacement Experts);

    private static IVideoPipeline LoadUntrained(
        string id, UntrainedModel model, bool imageToVideo, Device device, EnginePrecision precision, Placement place, DitAttentionOptions attention, DitLinears linears)
    {
        var config = (imageToVideo ? model.ImageToVideo ?? model.TextToVideo : model.TextToVideo ?? model.ImageToVideo)!;
        var experts = config.Task == WanTask.ImageToVideo ? 2 : 1;
        using var highNoise = PreparedDit.Random(config, experts == 1 ? 17 : 19, attention, linears, precision.Dit, device);
        using var lowNoise = experts == 2 ? PreparedDit.Random(config, 23, attention, linears, precision.Dit, device) : null;
        var tokenizer = Umt5Tokenizer.Load(BuiltInVocabulary.Create(model.TextEncoder.VocabSize), "built-in vocabulary", model.TextEncoder.TextLength);
        Umt5Encoder encoder;
        using (var textWeights = new RandomUmt5Weights(model.TextEncoder, seed: 11, precision.TextEncoder.Weights, place.TextWeights))
        {
            encoder = Umt5Encoder.Load(textWeights, model.TextEncoder, precision.TextEncoder, place.TextWeights);
        }

        var text = new TextEncoder(tokenizer, encoder, $"{model.TextEncoder.Name} (random)", encodeOn: place.EncodeOn);
        WanVae vae;
        using (var vaeWeights = new RandomWanVaeWeights(model.Vae, seed: 13, device: device))
        {
            vae = WanVae.Load(vaeWeights, model.Vae, precision.Vae, device);
        }

        var bytes = (DitWeights.Bytes(config, highNoise.Linears, ElementSize(precision.Dit.Compute)) * experts)
            + (WanVaeTensorCatalog.ParameterCount(model.Vae) * ElementSize(precision.Dit.Compute));
        var linearsUsed = Describe(highNoise, lowNoise);
        var description = $"built-in untrained {config.Name} (random weights)";
        var dit = highNoise.Load();
        if (lowNoise is null)
        {
            return new TextToVideoPipeline(text, dit, vae, new ResidentModel(id, description, bytes, DitAttention.Describe(dit), linearsUsed), untrained: true);
        }

        var pair = Experts(dit, lowNoise, place.Experts);
        return new ImageToVideoPipeline(text, pair, vae, new ResidentModel(id, description, bytes, pair.DescribeAttention(), linearsUsed), untrained: true);
    }

    /// <summary>The DiTs' linears, once per distinct choice, so experts that differ (one -quant file, one not) say so.</summary>
    private static string Describe(PreparedDit highNoise, PreparedDit? lowNoise) =>
        string.Join("; ", new[] { highNoise, lowNoise }.OfType<PreparedDit>().Select(d => d.DescribeLinears()).Distinct());

    private static int ElementSize(ScalarType type) => type switch
    {
        ScalarType.Float64 => 8,
        ScalarType.Float32 => 4,
        _ => 2,
    };

    private static IVideoPipeline LoadDirectory(ModelFiles files, Device device, EnginePrecision precision, Placement place, DitAttentionOptions attention, DitLinears linears)
    {
        using var highNoiseFile = PreparedDit.Open(files.Dit, attention, linears, precision.Dit, device);
        using var lowNoiseFile = files.LowNoiseDit is { } lowNoisePath ? PreparedDit.Open(lowNoisePath, attention, linears, precision.Dit, device) : null;
        var linearsUsed = Describe(highNoiseFile, lowNoiseFile);
        RequireFit(files, highNoiseFile.Config, lowNoiseFile?.Config, Umt5Config.Xxl, WanVaeConfig.Wan21);
        var loaded = new List<IDisposable>();
        try
        {
            var text = Keep(loaded, TextEncoder.Load(files.TextEncoder, files.Tokenizer, Umt5Config.Xxl, precision.TextEncoder, place.TextWeights, encodeOn: place.EncodeOn));
            WanVae vae;
            using (var vaeFile = CheckpointFile.Open(files.Vae))
            {
                vae = Keep(loaded, WanVae.Load(vaeFile, WanVaeConfig.Wan21, precision.Vae, device));
            }

            var highNoise = Keep(loaded, highNoiseFile.Load());
            var bytes = FileBytes(files.TextEncoder, files.Vae, files.Dit, files.LowNoiseDit);
            if (lowNoiseFile is null)
            {
                var description = new ResidentModel(files.Directory, $"{highNoise.Config.Name} text-to-video", bytes, DitAttention.Describe(highNoise), linearsUsed);
                return new TextToVideoPipeline(text, highNoise, vae, description, untrained: false);
            }

            loaded.Remove(highNoise);
            var experts = Keep(loaded, Experts(highNoise, lowNoiseFile, place.Experts));
            return new ImageToVideoPipeline(
                text, experts, vae, new ResidentModel(files.Directory, $"{ExpertsName(highNoise.Config)} image-to-video", bytes, experts.DescribeAttention(), linearsUsed), untrained: false);
        }
        catch
        {
            // A half-loaded model set would hold gigabytes of device memory until the process ends.
            loaded.ForEach(part => part.Dispose());
            throw;
        }
    }

    /// <summary>The experts around the loaded high-noise DiT (taken over: freed here when the low-noise one fails to load).</summary>
    private static IDitExperts Experts(WanModel highNoise, PreparedDit lowNoise, ExpertPlacement placement)
    {
        if (placement == ExpertPlacement.Swapped)
        {
            return SwappedExperts.Create(highNoise, [lowNoise.Reader]);
        }

        try
        {
            return new ResidentExperts([highNoise, lowNoise.Load()]);
        }
        catch
        {
            highNoise.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The DiTs' architectures are read from their files, so any Wan-family DiT gets this far; checked here, before the
    /// text encoder and VAE load, that they fit those and the pipeline the directory's files ask for.
    /// </summary>
    private static void RequireFit(ModelFiles files, WanConfig dit, WanConfig? lowNoise, Umt5Config text, WanVaeConfig vae)
    {
        var problem =
            dit.TextDim != text.Dim ? $"takes text of width {dit.TextDim}, but {text.Name} gives {text.Dim}"
            : dit.OutDim != vae.ZDim ? $"predicts {dit.OutDim} latent channels, but the {vae.Name} has {vae.ZDim}"
            : lowNoise is null && dit.Task != WanTask.TextToVideo ? $"is an image-to-video DiT ({dit.InDim} input channels) without its low-noise expert beside it"
            : lowNoise is not null && dit.Task != WanTask.ImageToVideo ? "is a text-to-video DiT, but the directory holds image-to-video experts"
            : dit.Task == WanTask.ImageToVideo && dit.ConditionDim != vae.TemporalStride + vae.ZDim
                ? $"takes a condition of {dit.ConditionDim} channels, but image-to-video builds {vae.TemporalStride} mask + {vae.ZDim} latent channels"
            : lowNoise is not null && lowNoise != (dit with { Name = lowNoise.Name }) ? $"differs from the low-noise expert {files.LowNoiseDit} ({lowNoise.Name})"
            : null;
        if (problem is not null)
        {
            throw new CheckpointException(files.Dit, null, $"the DiT ({dit.Name}) {problem}.");
        }
    }

    private static string ExpertsName(WanConfig highNoise) =>
        highNoise == WanConfig.Wan22I2VA14BHighNoise ? "Wan2.2-I2V-A14B" : highNoise.Name;

    private static T Keep<T>(List<IDisposable> loaded, T part)
        where T : IDisposable
    {
        loaded.Add(part);
        return part;
    }

    private static long FileBytes(params string?[] paths) =>
        paths.Where(p => p is not null).Sum(p => File.Exists(p) ? new FileInfo(p!).Length : Directory.EnumerateFiles(p!, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length));
}
