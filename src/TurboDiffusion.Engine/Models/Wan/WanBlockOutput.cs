using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.Wan;

/// <summary>
/// What one DiT block's forward made: the residual stream after it [B, L, D] (stream dtype), and the self- and
/// cross-attention outputs it added [B, L, D] (compute dtype), which only the model's hooks read.
/// </summary>
internal sealed record WanBlockOutput(Tensor Stream, Tensor SelfAttention, Tensor CrossAttention)
{
    /// <summary>Frees the attention outputs and hands the stream over to the caller.</summary>
    public Tensor ReleaseStream()
    {
        SelfAttention.Dispose();
        CrossAttention.Dispose();
        return Stream;
    }
}
