using System.Diagnostics.CodeAnalysis;
using TurboDiffusion.Engine.Checkpoints;

namespace TurboDiffusion.Engine.Pipelines;

/// <summary>How a DiT's block linears (self and cross q/k/v/o, ffn.0, ffn.2) run; the other layers are never int8.</summary>
public enum DitLinears
{
    /// <summary>As the checkpoint was made for: int8 for a <c>-quant</c> checkpoint, bf16 otherwise.</summary>
    Auto,

    /// <summary>Dense in the device's compute dtype; a <c>-quant</c> checkpoint's int8 weights are dequantized at load.</summary>
    Bf16,

    /// <summary>
    /// TurboDiffusion's W8A8 (int8 weights and activations, 128x128 tile scales): a <c>-quant</c> checkpoint's int8 weights as
    /// stored, a dense checkpoint's quantized at load by the official rule. The rest of the DiT runs bf16 with fp32 norms.
    /// </summary>
    [SuppressMessage("Naming", "CA1720:Identifier contains type name", Justification = "The value is the weight dtype, as --linears int8 names it.")]
    Int8,
}

/// <summary>Turns <see cref="DitLinears.Auto"/> into a choice for a checkpoint, and says what was chosen.</summary>
public static class DitLinearsChoice
{
    /// <summary><see cref="DitLinears.Bf16"/> or <see cref="DitLinears.Int8"/>.</summary>
    public static DitLinears Resolve(DitLinears asked, WanCheckpointLayout layout) => asked switch
    {
        DitLinears.Auto => layout == WanCheckpointLayout.TurboQuantized ? DitLinears.Int8 : DitLinears.Bf16,
        DitLinears.Bf16 or DitLinears.Int8 => asked,
        _ => throw new ArgumentOutOfRangeException(nameof(asked), asked, $"Unknown linears; one of {string.Join(", ", Enum.GetNames<DitLinears>())}."),
    };

    /// <summary>e.g. "int8 (W8A8, quantized at load)", "bf16 (dequantized from the -quant checkpoint)".</summary>
    public static string Describe(DitLinears resolved, WanCheckpointLayout layout) => (resolved, layout == WanCheckpointLayout.TurboQuantized) switch
    {
        (DitLinears.Int8, true) => "int8 (W8A8, the -quant checkpoint's int8 weights)",
        (DitLinears.Int8, false) => "int8 (W8A8, quantized at load)",
        (DitLinears.Bf16, true) => "bf16 (dequantized from the -quant checkpoint)",
        (DitLinears.Bf16, false) => "bf16",
        _ => throw new ArgumentOutOfRangeException(nameof(resolved), resolved, "Describe takes a resolved choice, bf16 or int8."),
    };
}
