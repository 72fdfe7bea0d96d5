using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.Wan;

/// <summary>
/// A prompt prepared for one <see cref="WanModel"/>: every block's cross-attention keys and values, computed
/// once by <see cref="WanModel.PrepareContext(Tensor)"/> and reused by every sampler step (they depend on the prompt
/// only). Holds 2 · layers · [B, text_len, D] tensors in the compute dtype on the model's device (2 · 30 · 512 ·
/// 1536 bf16 values, about 94 MB, per prompt for 1.3B); dispose it when the prompt is done.
/// </summary>
public sealed class WanTextContext : IDisposable
{
    private readonly IReadOnlyList<WanCrossKeyValue> blocks;

    internal WanTextContext(WanModel model, IReadOnlyList<WanCrossKeyValue> blocks)
    {
        Model = model;
        this.blocks = blocks;
    }

    /// <summary>The model this context was prepared by; another model's blocks have other weights.</summary>
    public WanModel Model { get; }

    /// <summary>Batch size B of the prompt(s).</summary>
    public long Batch => blocks[0].Keys.shape[0];

    internal WanCrossKeyValue Block(int index) => blocks[index];

    public void Dispose()
    {
        foreach (var block in blocks)
        {
            block.Dispose();
        }
    }
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
