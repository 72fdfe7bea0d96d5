using TurboDiffusion.Engine.Attention;
using TurboDiffusion.Engine.Checkpoints;
using TurboDiffusion.Engine.Checkpoints.Wan;
using TurboDiffusion.Engine.Models.Weights;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.Wan;

/// <summary>
/// The tensors of an official Wan DiT checkpoint (<c>diffusion_pytorch_model*.safetensors</c>): canonical key
/// names and shapes for a config, in the reference's module order, as <see cref="WanModel"/>'s modules declare
/// them. 825 tensors for 1.3B, 1095 for 14B.
/// </summary>
public static class WanTensorCatalog
{
    private static readonly string Int8WeightSuffix = WanKeyRules.Rule(WanKeyRuleKind.QuantizedLinear).Pattern;

    /// <param name="type">The dtype to report for every tensor (the "file's" dtype).</param>
    public static IReadOnlyList<TensorInfo> Tensors(WanConfig config, ScalarType type = ScalarType.Float32) =>
        WeightCatalog.Record(weights => WanModel.Build(weights, config, WanPrecision.Fp32, _ => DenseAttention.Instance, KernelPlan.Dense(config, WanPrecision.Fp32, CPU).WithReferenceGlue()), type);

    /// <summary>
    /// The layers <see cref="WanPrecision.W8A8"/> runs as int8 (every block's self and cross q/k/v/o, ffn.0 and ffn.2),
    /// e.g. <c>blocks.0.self_attn.q</c>, in module order: read from what the W8A8 model declares, so a checkpoint is
    /// quantized exactly where the engine reads int8.
    /// </summary>
    public static IReadOnlyList<string> Int8Layers(WanConfig config) =>
        [.. WeightCatalog.Record(weights => WanModel.Build(weights, config, WanPrecision.W8A8, _ => DenseAttention.Instance, KernelPlan.Dense(config, WanPrecision.W8A8, CPU).WithReferenceGlue()), ScalarType.BFloat16)
            .Where(t => t.Name.EndsWith(Int8WeightSuffix, StringComparison.Ordinal))
            .Select(t => t.Name[..^Int8WeightSuffix.Length])];

    /// <summary>Total number of weights: 1,418,996,800 for 1.3B, 14,288,491,584 for 14B.</summary>
    public static long ParameterCount(WanConfig config) => WeightCatalog.ParameterCount(Tensors(config));
}
