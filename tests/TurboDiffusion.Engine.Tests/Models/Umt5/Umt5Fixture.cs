using TurboDiffusion.Engine.Checkpoints;
using TurboDiffusion.Engine.Models.Umt5;
using TurboDiffusion.Engine.Tests.Fixtures;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Models.Umt5;

/// <summary>The <c>umt5_tiny</c> fixture: its encoder's configuration, weights, the input ids and mask, and the reference outputs.</summary>
internal sealed class Umt5Fixture
{
    private Umt5Fixture(GoldenFixture golden)
    {
        Golden = golden;
        Config = golden.Manifest.Umt5Config();
    }

    public GoldenFixture Golden { get; }

    /// <summary>The encoder the manifest describes; its text length is the length of the fixture's input.</summary>
    public Umt5Config Config { get; }

    public string WeightsPath => Golden.PathOf("umt5.safetensors");

    public static Umt5Fixture Open() => new(GoldenFixture.Open("umt5_tiny"));

    public Umt5Encoder LoadEncoder(Umt5Precision precision)
    {
        using var reader = SafetensorsFile.Open(WeightsPath);
        return Umt5Encoder.Load(reader, Config, precision);
    }

    public Tensor Input(string name)
    {
        using var file = Golden.Tensors("inputs.safetensors");
        return file.Load(name);
    }

    public Tensor Output(string name)
    {
        using var file = Golden.Tensors("outputs.safetensors");
        return file.Load(name);
    }

    /// <summary>How many of the input's tokens are real (EOS included).</summary>
    public int ValidTokens()
    {
        using var mask = Input("mask");
        using var count = mask.sum();
        return (int)count.item<long>();
    }
}
