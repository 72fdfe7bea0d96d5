using TurboDiffusion.Engine.Checkpoints;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.Umt5;

/// <summary>
/// Random umT5 weights with every tensor of <see cref="Umt5TensorCatalog"/>, for benchmarks at real shapes and the
/// built-in untrained models. Scales keep activations O(1) through the layers: projections N(0, 1/fan_in), norm
/// weights N(1, 0.05²), embeddings and relative-position tables N(0, 1).
/// </summary>
/// <param name="type">The dtype the "file" stores: values are rounded to it before any conversion on read.</param>
public sealed class RandomUmt5Weights(Umt5Config config, long seed, ScalarType type = ScalarType.Float32, Device? device = null)
    : RandomCatalogWeights(Catalog(config, type), config.Name, seed, device)
{
    protected override (double Mean, double Std) Distribution(string name, long[] shape)
    {
        if (shape.Length == 1)
        {
            return (1, 0.05);
        }

        if (name == "token_embedding.weight" || name.EndsWith("pos_embedding.embedding.weight", StringComparison.Ordinal))
        {
            return (0, 1);
        }

        return (0, 1 / Math.Sqrt(shape[1]));
    }

    private static List<TensorInfo> Catalog(Umt5Config config, ScalarType type)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        return [.. Umt5TensorCatalog.Tensors(config, type)];
    }
}
