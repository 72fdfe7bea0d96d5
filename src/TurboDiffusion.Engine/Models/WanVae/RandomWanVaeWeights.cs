using TurboDiffusion.Engine.Checkpoints;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.WanVae;

/// <summary>
/// Random weights with every tensor of <see cref="WanVaeTensorCatalog"/>, for benchmarks and memory checks at real
/// shapes (720P decode) without the real file. Scales keep activations O(1) through the blocks: conv weights
/// N(0, 1/fan_in), biases N(0, 0.02²), RMS-norm gains N(1, 0.05²).
/// </summary>
/// <param name="type">The dtype the "file" stores: values are rounded to it before any conversion on read.</param>
public sealed class RandomWanVaeWeights(WanVaeConfig config, long seed, ScalarType type = ScalarType.Float32, Device? device = null)
    : RandomCatalogWeights(WanVaeTensorCatalog.Tensors(config ?? throw new ArgumentNullException(nameof(config)), type), config.Name, seed, device)
{
    protected override (double Mean, double Std) Distribution(string name, long[] shape) =>
        name.EndsWith(".gamma", StringComparison.Ordinal) ? (1, 0.05)
        : name.EndsWith(".bias", StringComparison.Ordinal) ? (0, 0.02)
        : (0, 1 / Math.Sqrt(shape.Skip(1).Aggregate(1L, (a, b) => a * b)));
}
