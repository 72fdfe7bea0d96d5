using TurboDiffusion.Engine.Models.Weights;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace TurboDiffusion.Engine.Models.WanVae;

/// <summary>
/// The VAE's RMS norm over channels: x [B, C, T, H, W] → x / max(‖x‖₂, 1e-12) · √C · γ, with the L2 norm taken
/// over C at each position (F.normalize, so no eps inside the root). γ is stored [C, 1, 1, 1] in residual blocks
/// and heads, [C, 1, 1] in attention blocks. Computed in the precision's full dtype (fp32 under bf16) and
/// returned in x's dtype.
/// </summary>
internal sealed class VaeRmsNorm
{
    private readonly Tensor gamma;
    private readonly double scale;

    private VaeRmsNorm(Tensor gamma, long channels)
    {
        this.gamma = gamma;
        scale = Math.Sqrt(channels);
    }

    /// <param name="stored">The checkpoint's γ shape after C: [1, 1, 1] or [1, 1].</param>
    public static VaeRmsNorm Load(WeightLoader weights, string name, long channels, long[] stored, ScalarType type)
    {
        var gamma = weights.Scope(name).Load("gamma", [channels, .. stored], type, viewAs: [channels, 1, 1, 1]);
        return new VaeRmsNorm(gamma, channels);
    }

    public Tensor Forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var normalized = normalize(x.to(gamma.dtype), p: 2, dim: 1, eps: 1e-12) * scale * gamma;
        return normalized.to(x.dtype).MoveToOuterDisposeScope();
    }
}
