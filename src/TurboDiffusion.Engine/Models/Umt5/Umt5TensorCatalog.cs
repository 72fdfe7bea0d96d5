using TurboDiffusion.Engine.Checkpoints;
using TurboDiffusion.Engine.Models.Weights;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.Umt5;

/// <summary>Every tensor of an official umT5 encoder checkpoint (<c>T5Encoder</c> state dict) for a config, in file order, as <see cref="Umt5Encoder"/>'s modules declare them.</summary>
public static class Umt5TensorCatalog
{
    /// <param name="type">The dtype to report for every tensor (the "file's" dtype).</param>
    public static IReadOnlyList<TensorInfo> Tensors(Umt5Config config, ScalarType type)
    {
        ArgumentNullException.ThrowIfNull(config);
        return WeightCatalog.Record(weights => Umt5Encoder.Build(weights, config, Umt5Precision.Fp32), type);
    }
}
