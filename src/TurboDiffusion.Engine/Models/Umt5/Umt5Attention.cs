using TurboDiffusion.Engine.Models.Weights;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace TurboDiffusion.Engine.Models.Umt5;

/// <summary>
/// T5 self-attention: x [B, L, C] → q, k, v [B, H, L, D] → softmax(q·kᵀ + bias) · v → o(·) [B, L, C].
/// T5 does not scale the logits by 1/√D (the scale is folded into its weights). bias [1 or B, H, L, L]
/// carries the relative positions and the key-padding mask. Projections run in the weights' dtype, the
/// softmax in the precision's norm dtype.
/// </summary>
internal sealed class Umt5Attention
{
    private readonly Tensor q;
    private readonly Tensor k;
    private readonly Tensor v;
    private readonly Tensor o;
    private readonly long heads;
    private readonly ScalarType softmaxType;

    private Umt5Attention(Tensor q, Tensor k, Tensor v, Tensor o, long heads, ScalarType softmaxType)
    {
        (this.q, this.k, this.v, this.o) = (q, k, v, o);
        this.heads = heads;
        this.softmaxType = softmaxType;
    }

    /// <summary>Reads <c>{q,k,v}.weight</c> [C_attn, C] and <c>o.weight</c> [C, C_attn].</summary>
    public static Umt5Attention Load(WeightLoader weights, Umt5Config config, Umt5Precision precision) => new(
        weights.Load("q.weight", [config.DimAttn, config.Dim], precision.Weights),
        weights.Load("k.weight", [config.DimAttn, config.Dim], precision.Weights),
        weights.Load("v.weight", [config.DimAttn, config.Dim], precision.Weights),
        weights.Load("o.weight", [config.Dim, config.DimAttn], precision.Weights),
        config.Heads,
        precision.Norm);

    public Tensor Forward(Tensor x, Tensor bias)
    {
        using var scope = NewDisposeScope();
        var (b, l) = (x.shape[0], x.shape[1]);
        var qh = Heads(linear(x, q), b, l);
        var kh = Heads(linear(x, k), b, l);
        var vh = Heads(linear(x, v), b, l);
        var logits = qh.matmul(kh.transpose(-2, -1)) + bias;
        var weights = softmax(logits.to(softmaxType), -1).to(x.dtype);
        var y = weights.matmul(vh).transpose(1, 2).reshape(b, l, -1);
        return linear(y, o).MoveToOuterDisposeScope();
    }

    private Tensor Heads(Tensor projected, long b, long l) => projected.view(b, l, heads, -1).transpose(1, 2);
}
