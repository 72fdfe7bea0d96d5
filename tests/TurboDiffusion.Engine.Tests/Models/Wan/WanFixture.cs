using TurboDiffusion.Engine.Models.Wan;
using TurboDiffusion.Engine.Tests.Fixtures;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Models.Wan;

/// <summary>
/// The dit_t2v_tiny / dit_i2v_tiny golden sets: weights as one canonical checkpoint (the I2V set shares every
/// tensor but the patch embedding with T2V), inputs, and the float64 reference outputs and intermediates.
/// </summary>
internal sealed class WanFixture : IDisposable
{
    /// <summary>The T2V set, which also holds every weight of the I2V set but its patch embedding.</summary>
    public const string TextToVideoSet = "dit_t2v_tiny";

    public const string ImageToVideoSet = "dit_i2v_tiny";

    private readonly Dictionary<string, Tensor> inputs;
    private readonly Dictionary<string, Tensor> references;

    private WanFixture(GoldenFixture golden, ComposedTensorReader weights, Dictionary<string, Tensor> inputs, Dictionary<string, Tensor> references)
    {
        (Golden, Config, Weights) = (golden, golden.Manifest.WanConfig(), weights);
        (this.inputs, this.references) = (inputs, references);
    }

    public GoldenFixture Golden { get; }

    /// <summary>The set's network, from its manifest.</summary>
    public WanConfig Config { get; }

    public ComposedTensorReader Weights { get; }

    public Tensor X => inputs["x"];

    public Tensor Timestep => inputs["timestep"];

    public Tensor Context => inputs["context"];

    public Tensor? Y => inputs.GetValueOrDefault("y");

    public Tensor OutFp64 => references["out_fp64"];

    public IEnumerable<string> IntermediateNames => references.Keys.Where(n => n != "out_fp64");

    public static WanFixture T2V() => Open(TextToVideoSet);

    public static WanFixture I2V() => Open(ImageToVideoSet);

    public Tensor Reference(string name) => references[name];

    public WanModel Load(WanPrecision precision) => WanModel.Load(Weights, Config, precision);

    public void Dispose()
    {
        Weights.Dispose();
        foreach (var tensor in inputs.Values.Concat(references.Values))
        {
            tensor.Dispose();
        }
    }

    private static WanFixture Open(string name)
    {
        var golden = GoldenFixture.Open(name);
        var shared = GoldenFixture.Open(TextToVideoSet);
        var i2v = golden.Manifest.WanConfig().Task == WanTask.ImageToVideo;
        var weights = new ComposedTensorReader($"{shared.PathOf("wan_native.safetensors")}{(i2v ? " + " + golden.PathOf("i2v_patch_embedding.safetensors") : "")}")
            .Layer(shared.Tensors("wan_native.safetensors"));
        if (i2v)
        {
            weights.Layer(golden.Tensors("i2v_patch_embedding.safetensors"), "native.");
        }

        var references = ReadAll(golden, "intermediates.safetensors", n => !n.StartsWith("sla_", StringComparison.Ordinal) && n != "rope_angles_fp32_official");
        references["out_fp64"] = ReadAll(golden, "outputs.safetensors", n => n == "out_fp64")["out_fp64"];
        return new WanFixture(golden, weights, ReadAll(golden, "inputs.safetensors", _ => true), references);
    }

    private static Dictionary<string, Tensor> ReadAll(GoldenFixture golden, string file, Func<string, bool> keep)
    {
        using var reader = golden.Tensors(file);
        return reader.Names.Where(keep).ToDictionary(n => n, n => reader.Load(n));
    }
}
