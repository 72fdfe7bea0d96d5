using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Attention;

/// <summary>The <see cref="IAttention"/> contract on shapes and dtypes, checked once per call by every kernel.</summary>
internal static class AttentionShapes
{
    public static void Check(Tensor q, Tensor k, Tensor v, string kernel)
    {
        if (q.dim() != 4 || k.dim() != 4 || v.dim() != 4)
        {
            throw new ArgumentException($"{kernel} attention expects q, k, v as [B, L, H, D]; got q {Show(q)}, k {Show(k)}, v {Show(v)}.");
        }

        if (!k.shape.SequenceEqual(v.shape) || q.shape[0] != k.shape[0] || q.shape[2] != k.shape[2] || q.shape[3] != k.shape[3])
        {
            throw new ArgumentException($"{kernel} attention needs q [B, Lq, H, D] and k, v [B, Lk, H, D] with equal B, H, D; got q {Show(q)}, k {Show(k)}, v {Show(v)}.");
        }

        if (q.dtype != k.dtype || q.dtype != v.dtype)
        {
            throw new ArgumentException($"{kernel} attention needs one dtype for q, k, v; got {q.dtype}, {k.dtype}, {v.dtype}.");
        }
    }

    private static string Show(Tensor t) => $"[{string.Join(", ", t.shape)}]";
}
