using TurboDiffusion.Engine.Models.Umt5;
using TurboDiffusion.Engine.Models.Wan;
using TurboDiffusion.Engine.Models.WanVae;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Pipelines;

/// <summary>
/// The precisions the engine runs each model in on a device: bf16 on CUDA (TurboDiffusion's setting), fp32 on
/// the CPU (bf16 there is slow and gains nothing).
/// </summary>
public sealed record EnginePrecision(WanPrecision Dit, Umt5Precision TextEncoder, VaePrecision Vae)
{
    public static EnginePrecision For(Device device) => device.type == DeviceType.CUDA
        ? new EnginePrecision(WanPrecision.Bf16, Umt5Precision.Bf16, VaePrecision.Bf16)
        : new EnginePrecision(WanPrecision.Fp32, Umt5Precision.Fp32, VaePrecision.Fp32);
}
