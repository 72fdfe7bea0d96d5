using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.Wan;

/// <summary>
/// A prompt prepared for one <see cref="WanModel"/>: the umT5 output zero-padded to text_len rows and run through
/// text_embedding, [B, text_len, D] in the compute dtype (512 · 5120 bf16 values, 5 MB, per prompt for 14B), computed
/// once by <see cref="WanModel.PrepareContext(Tensor)"/> and reused by every sampler step. Each block's cross-attention
/// projects its keys and values from it as the block runs and frees them with the block: holding all blocks' keys and
/// values for the steps would cost 2 · layers times this (0.4 GiB for 14B) for a saving of well under a millisecond
/// per forward. Dispose it when the prompt is done.
/// </summary>
public sealed class WanTextContext : IDisposable
{
    internal WanTextContext(WanModel model, Tensor embedded)
    {
        Model = model;
        Embedded = embedded;
    }

    /// <summary>The model this context was prepared by; another model's text_embedding has other weights.</summary>
    public WanModel Model { get; }

    /// <summary>Batch size B of the prompt(s).</summary>
    public long Batch => Embedded.shape[0];

    /// <summary>The embedded prompt [B, text_len, D], compute dtype, on the model's device.</summary>
    internal Tensor Embedded { get; }

    public void Dispose() => Embedded.Dispose();
}

/// <summary>One block's cross-attention keys (after norm_k) and values, each [B, Lc, heads, head_dim].</summary>
internal sealed class WanCrossKeyValue(Tensor keys, Tensor values) : IDisposable
{
    public Tensor Keys { get; } = keys;

    public Tensor Values { get; } = values;

    public void Dispose()
    {
        Keys.Dispose();
        Values.Dispose();
    }
}
