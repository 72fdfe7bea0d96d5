using TurboDiffusion.Engine.Checkpoints;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.WanVae;

/// <summary>
/// The tensors of an official Wan VAE checkpoint (<c>Wan2.1_VAE.pth</c>): key names and shapes for a config, in the
/// reference's module order. Recorded by building the module tree on the meta device, so it is by construction
/// what loading asks for. 194 tensors and 126,892,531 weights for the real model.
/// </summary>
public static class WanVaeTensorCatalog
{
    /// <param name="type">The dtype to report for every tensor (the "file's" dtype).</param>
    public static IReadOnlyList<TensorInfo> Tensors(WanVaeConfig config, ScalarType type = ScalarType.Float32)
    {
        ArgumentNullException.ThrowIfNull(config);
        var tensors = new List<TensorInfo>();
        var meta = new Device(DeviceType.META);
        var loader = new VaeWeightLoader((key, shape, compute) =>
        {
            tensors.Add(new TensorInfo(key, type, shape));
            return empty(shape, compute, meta);
        });
        WanVaeModel.Build(loader, config, VaePrecision.Fp32).Dispose();
        return tensors;
    }

    public static long ParameterCount(WanVaeConfig config) =>
        Tensors(config).Sum(t => t.Shape.Aggregate(1L, (a, b) => a * b));
}
