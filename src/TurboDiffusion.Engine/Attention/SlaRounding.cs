using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace TurboDiffusion.Engine.Attention;

/// <summary>
/// Where SLA's reduced-precision (bf16, fp16) arithmetic accumulates and rounds. The official path runs its GEMMs
/// on cuBLAS and Triton: fp32 accumulation, bias added in fp32, one rounding of the result. libtorch's CPU bf16
/// GEMMs differ (a bf16 linear rounds before adding its bias), so the reference writes those rounding points out
/// instead of relying on the device. float32 and float64 accumulate in themselves and are never rounded.
/// </summary>
internal static class SlaRounding
{
    public static ScalarType Accumulation(ScalarType type) =>
        type is ScalarType.BFloat16 or ScalarType.Float16 ? ScalarType.Float32 : type;

    /// <summary>a [..., M, K] · b [..., K, N] in a's dtype, accumulated in <see cref="Accumulation"/>.</summary>
    public static Tensor MatMul(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        var accumulation = Accumulation(a.dtype);
        return a.to(accumulation).matmul(b.to(accumulation)).to(a.dtype).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// x [..., in] → x Wᵀ + b [..., out] in x's dtype: W and b are first rounded to x's dtype (as bf16 autocast
    /// does with fp32 parameters), then the product and the bias accumulate together and round once.
    /// </summary>
    public static Tensor Linear(Tensor x, Tensor weight, Tensor bias)
    {
        using var scope = NewDisposeScope();
        var accumulation = Accumulation(x.dtype);
        var y = linear(x.to(accumulation), weight.to(x.dtype).to(accumulation), bias.to(x.dtype).to(accumulation));
        return y.to(x.dtype).MoveToOuterDisposeScope();
    }
}
