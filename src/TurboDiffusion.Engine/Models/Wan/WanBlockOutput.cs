using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.Wan;

/// <summary>
/// What one DiT block's forward made: the residual stream after it [B, L, D] (stream dtype; the block updated the
/// stream it was given in place), and, when asked for (the model's hooks read them), the self- and cross-attention
/// outputs it added [B, L, D] (compute dtype).
/// </summary>
internal sealed record WanBlockOutput(Tensor Stream, Tensor? SelfAttention, Tensor? CrossAttention)
{
    /// <summary>Frees the attention outputs, if kept, and hands the stream back to the caller.</summary>
    public Tensor ReleaseStream()
    {
        SelfAttention?.Dispose();
        CrossAttention?.Dispose();
        return Stream;
    }
}
