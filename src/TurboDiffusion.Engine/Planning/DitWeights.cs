using TurboDiffusion.Engine.Models.Int8;
using TurboDiffusion.Engine.Models.Wan;
using TurboDiffusion.Engine.Pipelines;

namespace TurboDiffusion.Engine.Planning;

/// <summary>
/// Bytes a DiT's weights take once loaded: every tensor at the compute dtype's size, except with int8 linears, where each
/// W8A8 layer's weight takes 1 byte an element plus one fp32 scale per 128x128 tile (its bias stays in the compute dtype).
/// </summary>
public static class DitWeights
{
    /// <param name="linears">A resolved choice: <see cref="DitLinears.Bf16"/> or <see cref="DitLinears.Int8"/>.</param>
    /// <param name="elementBytes">Bytes of the compute dtype: 2 for bf16.</param>
    public static long Bytes(WanConfig config, DitLinears linears, int elementBytes = 2)
    {
        ArgumentNullException.ThrowIfNull(config);
        var dense = WanTensorCatalog.ParameterCount(config) * elementBytes;
        if (linears != DitLinears.Int8)
        {
            return dense;
        }

        var int8Weights = new HashSet<string>(WanTensorCatalog.Int8Layers(config).Select(layer => layer + ".weight"), StringComparer.Ordinal);
        return WanTensorCatalog.Tensors(config).Sum(t => int8Weights.Contains(t.Name) ? Int8Bytes(t.Shape) : Elements(t.Shape) * elementBytes);
    }

    private static long Int8Bytes(long[] weight) =>
        Elements(weight) + (BlockwiseInt8.Tiles(weight[0]) * BlockwiseInt8.Tiles(weight[1]) * sizeof(float));

    private static long Elements(long[] shape) => shape.Aggregate(1L, (a, d) => a * d);
}
