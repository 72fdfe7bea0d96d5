using TurboDiffusion.Engine.Checkpoints.Wan;
using TurboDiffusion.Engine.Models.Int8;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Checkpoints.Quantization;

/// <summary>
/// The <c>-quant</c> layout of a dense Wan DiT checkpoint, from its headers alone: every stored tensor in the file's
/// order, under its stored name; a W8A8 layer's <c>&lt;layer&gt;.weight</c> becomes <c>&lt;layer&gt;.int8_weight</c> int8
/// [out, in] then <c>&lt;layer&gt;.scale</c> fp32 [⌈out/128⌉, ⌈in/128⌉], and its bias bf16; official Wan's Conv3d patch
/// embedding becomes Turbo's Linear, as every <c>-quant</c> file has it. Everything else is kept as stored.
/// </summary>
internal static class ConversionPlan
{
    private const string WeightSuffix = ".weight";
    private const string BiasSuffix = ".bias";

    // Turbo's Linear patch embedding stands for the (1, 2, 2) patch, the only one WanKeyMap reads back.
    private static readonly long[] LinearPatch = [1, 2, 2];

    /// <param name="stored">The file as stored (<see cref="WanCheckpoint.Stored"/>).</param>
    /// <param name="int8Layers">The W8A8 layers under official names (<see cref="Models.Wan.WanTensorCatalog.Int8Layers"/>).</param>
    public static IReadOnlyList<ConversionStep> For(ITensorReader stored, IReadOnlyCollection<string> int8Layers)
    {
        var layers = new HashSet<string>(int8Layers, StringComparer.Ordinal);
        var patch = WanKeyRules.Rule(WanKeyRuleKind.LinearPatchEmbedding).Pattern;
        var int8Suffix = WanKeyRules.Rule(WanKeyRuleKind.QuantizedLinear).Pattern;
        var steps = new List<ConversionStep>();
        foreach (var name in stored.Names)
        {
            var info = stored.Info(name);
            var official = WanKeyRules.Unwrap(name);
            if (official.EndsWith(WeightSuffix, StringComparison.Ordinal) && layers.Contains(official[..^WeightSuffix.Length]))
            {
                var layer = name[..^WeightSuffix.Length];
                steps.Add(new ConversionStep(name, ConversionKind.Int8Weight,
                [
                    new TensorInfo(layer + int8Suffix, ScalarType.Int8, info.Shape),
                    new TensorInfo(layer + WanKeyRules.ScaleSuffix, ScalarType.Float32, [BlockwiseInt8.Tiles(info.Shape[0]), BlockwiseInt8.Tiles(info.Shape[1])]),
                ]));
            }
            else if (official.EndsWith(BiasSuffix, StringComparison.Ordinal) && layers.Contains(official[..^BiasSuffix.Length]))
            {
                steps.Add(new ConversionStep(name, ConversionKind.Bf16Bias, [info with { Type = ScalarType.BFloat16 }]));
            }
            else if (official == patch && info.Shape.Length == 5)
            {
                steps.Add(new ConversionStep(name, ConversionKind.PatchAsLinear, [info with { Shape = PatchAsLinear(stored.Path, name, info.Shape) }]));
            }
            else
            {
                steps.Add(new ConversionStep(name, ConversionKind.Copy, [info]));
            }
        }

        return steps;
    }

    private static long[] PatchAsLinear(string path, string name, long[] conv3d) =>
        conv3d.AsSpan(2).SequenceEqual(LinearPatch)
            ? [conv3d[0], conv3d[1] * conv3d[2] * conv3d[3] * conv3d[4]]
            : throw new CheckpointException(path, name,
                $"is Conv3d [{string.Join(", ", conv3d)}]; the -quant layout stores the patch embedding as Linear [dim, C*4], which stands for the (1, 2, 2) patch only");
}
