using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Attention;

/// <summary>
/// SLA's linear branch over ALL keys (not only those the sparse branch skipped), non-causal:
/// φ = softmax over the head dim, o_l = φ(q) (φ(k)ᵀ v) / (1e-5 + φ(q) · Σ_L φ(k)).
/// q [B, H, Lq, D], k and v [B, H, Lk, D] → o_l [B, H, Lq, D] in q's dtype; time O(B·H·(Lq + Lk)·D²), memory
/// O(B·H·(Lq + Lk)·D). Every op returns the input dtype, so bf16 rounds after each one as the reference's bf16
/// torch ops do (softmax, sums and matmuls accumulate in fp32 inside); float32/float64 are exact to their precision.
/// </summary>
internal static class SlaLinearBranch
{
    private const double Epsilon = 1e-5;

    public static Tensor Forward(Tensor q, Tensor k, Tensor v)
    {
        using var scope = NewDisposeScope();
        var phiQ = q.softmax(-1);
        var phiK = k.softmax(-1);
        var keyValue = SlaRounding.MatMul(phiK.transpose(-2, -1), v);
        var keySum = phiK.sum(-2, keepdim: true);
        var denominator = (phiQ * keySum).sum(-1, keepdim: true) + Epsilon;
        return (SlaRounding.MatMul(phiQ, keyValue) / denominator).MoveToOuterDisposeScope();
    }
}
