using TurboDiffusion.Engine.Models.Weights;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.Umt5;

/// <summary>
/// One layer's relative-position bias (umT5 gives every layer its own table): buckets [Lq, Lk] int64 →
/// table[bucket, h] as [1, H, Lq, Lk] in the table's dtype, added to that layer's attention logits.
/// </summary>
internal sealed class Umt5RelativeBias
{
    private readonly Tensor table;

    private Umt5RelativeBias(Tensor table)
    {
        this.table = table;
    }

    /// <summary>Reads <c>embedding.weight</c> [Buckets, Heads].</summary>
    public static Umt5RelativeBias Load(WeightLoader weights, Umt5Config config, Umt5Precision precision) =>
        new(weights.Load("embedding.weight", [config.Buckets, config.Heads], precision.Weights));

    public Tensor Forward(Tensor buckets)
    {
        using var scope = NewDisposeScope();
        var (lq, lk) = (buckets.shape[0], buckets.shape[1]);
        var bias = table.index_select(0, buckets.flatten()).view(lq, lk, -1);
        return bias.permute(2, 0, 1).unsqueeze(0).contiguous().MoveToOuterDisposeScope();
    }
}
