using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Attention;

/// <summary>
/// SLA's <c>proj_l</c>: Linear(D, D) on the linear branch, x [..., D] → x Wᵀ + b [..., D], W [D, D], b [D]
/// (D the head dim), in x's dtype: bf16 rounds the parameters to bf16 and the result once,
/// as the reference's bf16 autocast on cuBLAS does; float32/float64 are exact (the parameters are fp32 or bf16).
/// </summary>
internal sealed class SlaProjection : IDisposable
{
    private readonly Tensor weight;
    private readonly Tensor bias;

    /// <summary>Takes ownership of <paramref name="weight"/> [D, D] and <paramref name="bias"/> [D].</summary>
    /// <exception cref="ArgumentException">Not a square floating-point weight with a matching bias.</exception>
    public SlaProjection(Tensor weight, Tensor bias)
    {
        ArgumentNullException.ThrowIfNull(weight);
        ArgumentNullException.ThrowIfNull(bias);
        if (weight.dim() != 2 || weight.shape[0] != weight.shape[1] || bias.dim() != 1 || bias.shape[0] != weight.shape[0]
            || !weight.is_floating_point() || !bias.is_floating_point())
        {
            throw new ArgumentException(
                $"SLA proj_l must be a floating-point Linear(D, D): weight [D, D] and bias [D]; got {weight.dtype} [{string.Join(", ", weight.shape)}] and {bias.dtype} [{string.Join(", ", bias.shape)}].");
        }

        this.weight = weight.DetachFromDisposeScope();
        this.bias = bias.DetachFromDisposeScope();
    }

    /// <summary>D: the head dim this projection accepts.</summary>
    public long Features => weight.shape[0];

    /// <summary>W [D, D] as stored ([out, in]), for kernels that fuse the projection.</summary>
    public Tensor Weight => weight;

    /// <summary>b [D] as stored.</summary>
    public Tensor Bias => bias;

    public Tensor Forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return SlaRounding.Linear(x, weight, bias).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        weight.Dispose();
        bias.Dispose();
    }
}
