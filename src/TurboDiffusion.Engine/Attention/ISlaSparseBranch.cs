using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Attention;

/// <summary>
/// How SLA computes its sparse branch: the TorchSharp reference, the native bf16 kernel, native SageSLA or SageSLA's
/// quantized reference (<see cref="ReferenceSageSlaSparseBranch"/>), chosen once when the attention is built, never
/// probed inside a forward.
/// </summary>
public interface ISlaSparseBranch
{
    string Name { get; }

    /// <summary>q [B, Lq, H, D], k and v [B, Lk, H, D], lut [B, H, Mq, T] → o_s [B, Lq, H, D].</summary>
    Tensor Forward(Tensor q, Tensor k, Tensor v, Tensor lut, SlaOptions options);

    /// <summary>
    /// Selects the key blocks (<see cref="SlaBlockSelection"/>) and attends them: q [B, Lq, H, D], k and v [B, Lk, H, D] →
    /// (lut [B, H, Mq, T] int32, o_s [B, Lq, H, D]). A branch whose preparation already pools the blocks overrides this.
    /// </summary>
    (Tensor Lut, Tensor Sparse) Attend(Tensor q, Tensor k, Tensor v, SlaOptions options)
    {
        var lut = SlaBlockSelection.Select(q, k, options);
        return (lut, Forward(q, k, v, lut, options));
    }
}

/// <summary>The TorchSharp reference (<see cref="SlaSparseBranch"/>): any device and dtype.</summary>
public sealed class ReferenceSlaSparseBranch : ISlaSparseBranch
{
    public static ReferenceSlaSparseBranch Instance { get; } = new();

    public string Name => "reference";

    public Tensor Forward(Tensor q, Tensor k, Tensor v, Tensor lut, SlaOptions options)
    {
        using var scope = NewDisposeScope();
        return SlaSparseBranch.Forward(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2), lut, options).transpose(1, 2).MoveToOuterDisposeScope();
    }
}
