using TurboDiffusion.Engine.Checkpoints;
using TurboDiffusion.Engine.Models.Weights;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.WanVae;

/// <summary>
/// The tensors of an official Wan VAE checkpoint (<c>Wan2.1_VAE.pth</c>): key names and shapes for a config, in the
/// reference's module order, as <see cref="WanVaeModel"/>'s modules declare them. 194 tensors and 126,892,531
/// weights for the real model.
/// </summary>
public static class WanVaeTensorCatalog
{
    /// <param name="type">The dtype to report for every tensor (the "file's" dtype).</param>
    public static IReadOnlyList<TensorInfo> Tensors(WanVaeConfig config, ScalarType type = ScalarType.Float32)
    {
        ArgumentNullException.ThrowIfNull(config);
        return WeightCatalog.Record(weights => WanVaeModel.Build(weights, config, VaePrecision.Fp32), type);
    }

    public static long ParameterCount(WanVaeConfig config) => WeightCatalog.ParameterCount(Tensors(config));
}
