using TurboDiffusion.Engine.Checkpoints;
using TurboDiffusion.Engine.Models.Umt5;
using TurboDiffusion.Engine.Models.Wan;
using TurboDiffusion.Engine.Models.WanVae;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Pipelines;

/// <summary>
/// Builds a pipeline for a model id: <c>tiny</c> (built-in, untrained: deterministic random weights and a
/// built-in vocabulary, text-to-video or, for image requests, image-to-video) or a directory of official files.
/// </summary>
public static class VideoPipelineLoader
{
    public const string Tiny = "tiny";

    /// <param name="imageToVideo">For <c>tiny</c>: build the image-to-video variant.</param>
    public static IVideoPipeline Load(string model, bool imageToVideo, Device device, VaeTiling? tiling = null)
    {
        var precision = EnginePrecision.For(device);
        return model == Tiny ? LoadTiny(imageToVideo, device, precision) : LoadDirectory(ModelFiles.Resolve(model), device, precision, tiling);
    }

    private static IVideoPipeline LoadTiny(bool imageToVideo, Device device, EnginePrecision precision)
    {
        var name = imageToVideo ? "tiny-i2v" : Tiny;
        var tokenizer = Umt5Tokenizer.Load(BuiltInVocabulary.Create(Umt5Config.Tiny.VocabSize), "built-in vocabulary", Umt5Config.Tiny.TextLength);
        using var textWeights = new RandomUmt5Weights(Umt5Config.Tiny, seed: 11);
        var text = new TextEncoder(tokenizer, Umt5Encoder.Load(textWeights, Umt5Config.Tiny, precision.TextEncoder, device), "tiny umT5 (random)");
        using var vaeWeights = new RandomWanVaeWeights(WanVaeConfig.Tiny, seed: 13);
        var vae = WanVae.Load(vaeWeights, WanVaeConfig.Tiny, precision.Vae, device);
        var config = imageToVideo ? WanConfig.TinyI2V : WanConfig.Tiny;
        var bytes = Bytes(WanTensorCatalog.Tensors(config).Select(t => t.Shape)) * (imageToVideo ? 2 : 1) + WanVaeTensorCatalog.ParameterCount(WanVaeConfig.Tiny);
        var description = new ResidentModel(name, $"built-in untrained {config.Name} (random weights)", bytes * 4);
        if (!imageToVideo)
        {
            using var weights = new RandomWanWeights(config, seed: 17, precision.Dit.Compute, device);
            return new TextToVideoPipeline(text, WanModel.Load(weights, config, precision.Dit, device), vae, description, untrained: true);
        }

        using var high = new RandomWanWeights(config, seed: 19, precision.Dit.Compute, device);
        using var low = new RandomWanWeights(config, seed: 23, precision.Dit.Compute, device);
        return new ImageToVideoPipeline(
            text, WanModel.Load(high, config, precision.Dit, device), WanModel.Load(low, config, precision.Dit, device), vae, description, untrained: true);
    }

    private static IVideoPipeline LoadDirectory(ModelFiles files, Device device, EnginePrecision precision, VaeTiling? tiling)
    {
        var loaded = new List<IDisposable>();
        try
        {
            var text = Keep(loaded, TextEncoder.Load(files.TextEncoder, files.Tokenizer, Umt5Config.Xxl, precision.TextEncoder, device));
            WanVae vae;
            using (var vaeFile = CheckpointFile.Open(files.Vae))
            {
                vae = Keep(loaded, WanVae.Load(vaeFile, WanVaeConfig.Wan21, precision.Vae, device));
            }

            var highNoise = Keep(loaded, LoadDit(files.Dit, precision.Dit, device));
            var bytes = FileBytes(files.TextEncoder, files.Vae, files.Dit, files.LowNoiseDit);
            if (files.LowNoiseDit is null)
            {
                var description = new ResidentModel(files.Directory, $"{highNoise.Config.Name} text-to-video", bytes);
                return new TextToVideoPipeline(text, highNoise, vae, description, untrained: false, tiling);
            }

            var lowNoise = Keep(loaded, LoadDit(files.LowNoiseDit, precision.Dit, device));
            return new ImageToVideoPipeline(
                text, highNoise, lowNoise, vae, new ResidentModel(files.Directory, "Wan2.2-I2V-A14B image-to-video", bytes), untrained: false, tiling);
        }
        catch
        {
            // A half-loaded model set would hold gigabytes of device memory until the process ends.
            loaded.ForEach(part => part.Dispose());
            throw;
        }
    }

    private static T Keep<T>(List<IDisposable> loaded, T part)
        where T : IDisposable
    {
        loaded.Add(part);
        return part;
    }

    private static WanModel LoadDit(string path, WanPrecision precision, Device device)
    {
        using var checkpoint = WanCheckpoint.Open(path);
        return WanModel.Load(checkpoint, WanConfigDetector.Detect(checkpoint), precision, device);
    }

    private static long Bytes(IEnumerable<long[]> shapes) => shapes.Sum(s => s.Aggregate(1L, (a, d) => a * d));

    private static long FileBytes(params string?[] paths) =>
        paths.Where(p => p is not null).Sum(p => File.Exists(p) ? new FileInfo(p!).Length : Directory.EnumerateFiles(p!, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length));
}
