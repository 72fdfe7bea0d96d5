using TurboDiffusion.Engine.Models.Weights;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace TurboDiffusion.Engine.Models.Umt5;

/// <summary>
/// Gated-GELU FFN: x [B, L, C] → fc2(fc1(x) ⊙ GELU_tanh(gate(x))) [B, L, C], through [B, L, C_ffn].
/// <c>ffn.gate.0</c> is the GELU branch. No biases. Runs in the weights' dtype.
/// </summary>
internal sealed class Umt5FeedForward
{
    private static readonly double TanhScale = Math.Sqrt(2.0 / Math.PI);

    private readonly Tensor gate;
    private readonly Tensor fc1;
    private readonly Tensor fc2;

    private Umt5FeedForward(Tensor gate, Tensor fc1, Tensor fc2)
    {
        (this.gate, this.fc1, this.fc2) = (gate, fc1, fc2);
    }

    /// <summary>Reads <c>gate.0.weight</c>, <c>fc1.weight</c> [C_ffn, C] and <c>fc2.weight</c> [C, C_ffn].</summary>
    public static Umt5FeedForward Load(WeightLoader weights, Umt5Config config, Umt5Precision precision) => new(
        weights.Load("gate.0.weight", [config.DimFfn, config.Dim], precision.Weights),
        weights.Load("fc1.weight", [config.DimFfn, config.Dim], precision.Weights),
        weights.Load("fc2.weight", [config.Dim, config.DimFfn], precision.Weights));

    public Tensor Forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return linear(linear(x, fc1) * GeluTanh(linear(x, gate)), fc2).MoveToOuterDisposeScope();
    }

    // Written out op by op as the reference's own GELU, so bf16 rounds after the same steps.
    private static Tensor GeluTanh(Tensor x) =>
        0.5 * x * (1.0 + (TanhScale * (x + 0.044715 * x.pow(3.0))).tanh());
}
