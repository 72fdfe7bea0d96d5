using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.Wan;

/// <summary>
/// Taps on a <see cref="WanModel"/>'s prompt preparation and forward, one per intermediate the reference records, for
/// tests that compare them (<see cref="WanModel.Hooks"/>). Each tensor is the model's own and lives only until the
/// call that made it returns: a hook copies what it keeps and never writes to it.
/// </summary>
internal interface IWanForwardHooks
{
    /// <summary>The prompt after text_embedding, [B, text_len, D] in the compute dtype.</summary>
    void TextEmbedded(Tensor context);

    /// <summary>The input (with the I2V condition) cut into patches, [B, L, channels·1·2·2].</summary>
    void Patchified(Tensor patches);

    /// <summary>The tokens after the patch embedding, [B, L, D].</summary>
    void PatchEmbedded(Tensor tokens);

    /// <summary>The timestep's sinusoid [B, freq_dim] in float64, and e [B, D] and e0 [B, 6, D] in the stream dtype.</summary>
    void TimeEmbedded(Tensor sinusoid, Tensor e, Tensor e0);

    /// <summary>RoPE's angles [L, head_dim / 2] in float64.</summary>
    void RopeAngles(Tensor angles);

    /// <summary>What block <paramref name="index"/> made.</summary>
    void BlockDone(int index, WanBlockOutput output);

    /// <summary>The head's output before unpatchify, [B, L, out_dim·1·2·2].</summary>
    void HeadDone(Tensor output);
}
