using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Attention;

/// <summary>
/// How SLA finishes a forward once the sparse branch has run: the linear branch, proj_l and the sum
/// o = o_s + proj_l(o_l). The TorchSharp reference or the fused native kernels, chosen once when the attention is
/// built, never probed inside a forward.
/// </summary>
public interface ISlaLinearBranch
{
    string Name { get; }

    /// <summary>
    /// q [B, Lq, H, D], k and v [B, Lk, H, D], o_s [B, Lq, H, D] as <see cref="ISlaSparseBranch"/> returns it, proj_l's
    /// weight [D, D] and bias [D] → o [B, Lq, H, D] in q's dtype.
    /// </summary>
    Tensor Combine(Tensor q, Tensor k, Tensor v, Tensor sparse, Tensor weight, Tensor bias);
}

/// <summary>The TorchSharp reference (<see cref="SlaLinearBranch"/>, then proj_l as <see cref="SlaRounding.Linear"/>): any device and dtype.</summary>
public sealed class ReferenceSlaLinearBranch : ISlaLinearBranch
{
    public static ReferenceSlaLinearBranch Instance { get; } = new();

    public string Name => "reference";

    public Tensor Combine(Tensor q, Tensor k, Tensor v, Tensor sparse, Tensor weight, Tensor bias)
    {
        using var scope = NewDisposeScope();
        var linear = SlaLinearBranch.Forward(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2));
        return (sparse + SlaRounding.Linear(linear, weight, bias).transpose(1, 2)).MoveToOuterDisposeScope();
    }
}
