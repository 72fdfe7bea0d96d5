using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace TurboDiffusion.Engine.Models.WanVae;

/// <summary>
/// The VAE's one 3-D convolution call. libtorch's CPU bf16 conv3d is wrong for narrow layers: with fewer than 16
/// output channels and a spatial kernel wider than 1 it lands at rel_l2 0.1–0.45 from float64 (a correct bf16
/// conv is near 3e-3), which hits the pixel-side conv (C → 3) of every decode. So on the CPU a bf16 conv runs in
/// fp32 on the bf16 operands, which converts them exactly, and rounds its output to bf16: the fp32 accumulation a
/// correct bf16 kernel (cuDNN's included) performs. On CUDA it stays a bf16 conv.
/// </summary>
internal static class VaeConvolution
{
    public static Tensor Conv3d(Tensor x, Tensor weight, Tensor bias, long[] stride, long[] padding)
    {
        if (x.dtype != ScalarType.BFloat16 || x.device_type != DeviceType.CPU)
        {
            return conv3d(x, weight, bias, stride, padding);
        }

        using var scope = NewDisposeScope();
        var y = conv3d(x.to(ScalarType.Float32), weight.to(ScalarType.Float32), bias.to(ScalarType.Float32), stride, padding);
        return y.to(ScalarType.BFloat16).MoveToOuterDisposeScope();
    }
}
