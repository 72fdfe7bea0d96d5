using System.Globalization;
using TurboDiffusion.Engine.Checkpoints;
using TurboDiffusion.Engine.Models.WanVae;
using TurboDiffusion.Engine.Tests.Fixtures;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Models.WanVae;

/// <summary>The <c>vae_tiny</c> fixture: the VAE its manifest describes, weights, inputs, float64 references and the manifest's tolerances.</summary>
internal static class VaeTinyFixture
{
    public const string Float64 = "float64 implementation";
    public const string Float32 = "float32 implementation";
    public const string BFloat16 = "bf16 implementation";

    private static readonly Lazy<GoldenFixture> Fixture = new(() => GoldenFixture.Open("vae_tiny"));

    private static readonly Lazy<WanVaeConfig> VaeConfig = new(() => Open().Manifest.VaeConfig(new LatentNormalization(Constants("latent_mean"), Constants("latent_std"))));

    public static GoldenFixture Open() => Fixture.Value;

    /// <summary>The manifest's VAE with the latent statistics of the fixture's inputs.</summary>
    public static WanVaeConfig Config => VaeConfig.Value;

    public static Tolerance Tolerance(string key) => Open().Tolerance(key);

    public static SafetensorsFile Weights() => Open().Tensors("vae.safetensors");

    /// <summary>The same weights as <see cref="Weights"/>, as the official fp32 <c>torch.save</c> state dict (like <c>Wan2.1_VAE.pth</c>).</summary>
    public static ITensorReader PthWeights() => CheckpointFile.Open(Open().PathOf("vae.pth"));

    public static Engine.Models.WanVae.WanVae Load(VaePrecision precision)
    {
        using var weights = Weights();
        return Engine.Models.WanVae.WanVae.Load(weights, Config, precision);
    }

    public static Tensor Input(string name) => Read("inputs.safetensors", name);

    public static Tensor Output(string name) => Read("outputs.safetensors", name);

    /// <summary>
    /// The reference used the constants as written (-0.7571, ...); the file holds their float32 roundings, whose
    /// shortest round-trip text gives those decimals back.
    /// </summary>
    private static double[] Constants(string name)
    {
        using var values = Input(name);
        return [.. values.data<float>().ToArray().Select(v => double.Parse(v.ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture))];
    }

    private static Tensor Read(string file, string name)
    {
        using var tensors = Open().Tensors(file);
        return tensors.Load(name);
    }
}
