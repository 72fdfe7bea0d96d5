using TurboDiffusion.Engine.Models.Weights;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace TurboDiffusion.Engine.Models.Wan;

/// <summary>
/// Projects the text encoder output into the DiT: ctx [B, Lc, text_dim] → text_embedding.2(GELU_tanh(
/// text_embedding.0(ctx))) [B, Lc, D]. Zero pad rows come out as the non-zero bias path and stay attended.
/// Runs in the compute dtype, like the other big GEMMs.
/// </summary>
internal sealed class TextEmbedding
{
    private readonly WanLinear embedding0;
    private readonly WanLinear embedding2;

    private TextEmbedding(WanLinear embedding0, WanLinear embedding2)
    {
        this.embedding0 = embedding0;
        this.embedding2 = embedding2;
    }

    /// <summary>Reads <c>text_embedding.0</c> [D, text_dim] and <c>text_embedding.2</c> [D, D].</summary>
    public static TextEmbedding Load(WeightLoader weights, WanConfig config, ScalarType computeType) =>
        new(WanLinear.Load(weights, "text_embedding.0", config.TextDim, config.Dim, computeType),
            WanLinear.Load(weights, "text_embedding.2", config.Dim, config.Dim, computeType));

    public Tensor Forward(Tensor context)
    {
        using var scope = NewDisposeScope();
        return embedding2.Forward(gelu(embedding0.Forward(context), TorchSharp.Modules.GELU.Approximate.tanh)).MoveToOuterDisposeScope();
    }
}
