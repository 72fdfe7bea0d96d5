using TurboDiffusion.Engine.Models.Weights;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.Umt5;

/// <summary>
/// One pre-norm encoder layer: x [B, L, C] → x + attn(norm1(x), bias) → x + ffn(norm2(x)), in the weights'
/// dtype. The layer adds its own relative-position bias; padded keys (keyPadding true) get the dtype's
/// lowest finite value in place of the bias, so they drop out of the softmax.
/// </summary>
internal sealed class Umt5Block
{
    private readonly Umt5RmsNorm norm1;
    private readonly Umt5Attention attn;
    private readonly Umt5RmsNorm norm2;
    private readonly Umt5FeedForward ffn;
    private readonly Umt5RelativeBias posEmbedding;

    private Umt5Block(Umt5RmsNorm norm1, Umt5Attention attn, Umt5RmsNorm norm2, Umt5FeedForward ffn, Umt5RelativeBias posEmbedding)
    {
        (this.norm1, this.attn, this.norm2, this.ffn, this.posEmbedding) = (norm1, attn, norm2, ffn, posEmbedding);
    }

    /// <summary>Reads <c>blocks.{index}.{norm1, attn, norm2, ffn, pos_embedding}</c>.</summary>
    public static Umt5Block Load(WeightLoader weights, int index, Umt5Config config, Umt5Precision precision)
    {
        var block = weights.Scope($"blocks.{index}");
        return new Umt5Block(
            Umt5RmsNorm.Load(block, "norm1", config, precision),
            Umt5Attention.Load(block.Scope("attn"), config, precision),
            Umt5RmsNorm.Load(block, "norm2", config, precision),
            Umt5FeedForward.Load(block.Scope("ffn"), config, precision),
            Umt5RelativeBias.Load(block.Scope("pos_embedding"), config, precision));
    }

    /// <summary>The bias this layer adds to its logits, before masking: [1, H, Lq, Lk].</summary>
    public Tensor PositionBias(Tensor buckets) => posEmbedding.Forward(buckets);

    /// <param name="buckets">[L, L] int64 relative-position buckets.</param>
    /// <param name="keyPadding">[B, 1, 1, L] bool, true on padded keys; null when every key is real.</param>
    public Tensor Forward(Tensor x, Tensor buckets, Tensor? keyPadding)
    {
        using var scope = NewDisposeScope();
        var bias = posEmbedding.Forward(buckets).to(x.dtype);
        if (keyPadding is not null)
        {
            bias = bias.masked_fill(keyPadding, finfo(x.dtype).min);
        }

        x = x + attn.Forward(norm1.Forward(x), bias);
        x = x + ffn.Forward(norm2.Forward(x));
        return x.MoveToOuterDisposeScope();
    }
}
