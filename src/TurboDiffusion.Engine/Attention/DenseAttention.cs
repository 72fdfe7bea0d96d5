using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace TurboDiffusion.Engine.Attention;

/// <summary>
/// Exact attention through libtorch's <c>scaled_dot_product_attention</c> (flash or cuDNN on a GPU, the
/// math or flash-CPU kernel on a CPU; exact softmax(q kᵀ/√D) v in float64).
/// q [B, Lq, H, D], k and v [B, Lk, H, D] → [B, Lq, H, D], dtype of q. Stateless: one instance serves every block.
/// </summary>
public sealed class DenseAttention : IAttention
{
    public static DenseAttention Instance { get; } = new();

    public string Name => "dense";

    public Tensor Forward(Tensor q, Tensor k, Tensor v)
    {
        AttentionShapes.Check(q, k, v, Name);
        using var scope = NewDisposeScope();

        // SDPA wants heads before tokens: [B, H, L, D].
        var o = scaled_dot_product_attention(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2));
        return o.transpose(1, 2).MoveToOuterDisposeScope();
    }
}
