using TurboDiffusion.Engine.Models.Weights;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace TurboDiffusion.Engine.Models.Wan;

/// <summary>
/// The timestep conditioning. t [B] → sinusoid [B, freq_dim] = [cos(t·ω) | sin(t·ω)], ω_i = 10000^(−i/half),
/// in float64 → e = time_embedding.2(SiLU(time_embedding.0(sinusoid))) [B, D] → e0 = time_projection.1(SiLU(e))
/// [B, 6, D], shared by every block. Weights, e and e0 are in the stream dtype (fp32 for bf16 inference).
/// t is used as given: the rCM sampler already feeds bf16(t·1000) (988, 932, 852, 608), and the reference
/// embeds that rounded value.
/// </summary>
internal sealed class TimeEmbedding
{
    private readonly WanLinear embedding0;
    private readonly WanLinear embedding2;
    private readonly WanLinear projection;
    private readonly int freqDim;
    private readonly long dim;

    private TimeEmbedding(WanLinear embedding0, WanLinear embedding2, WanLinear projection, int freqDim, long dim)
    {
        this.embedding0 = embedding0;
        this.embedding2 = embedding2;
        this.projection = projection;
        this.freqDim = freqDim;
        this.dim = dim;
    }

    /// <summary>Reads <c>time_embedding.{0,2}</c> and <c>time_projection.1</c>.</summary>
    public static TimeEmbedding Load(WeightLoader weights, WanConfig config, ScalarType streamType)
    {
        var embedding0 = WanLinear.Load(weights, "time_embedding.0", config.FreqDim, config.Dim, streamType);
        var embedding2 = WanLinear.Load(weights, "time_embedding.2", config.Dim, config.Dim, streamType);
        var projection = WanLinear.Load(weights, "time_projection.1", config.Dim, 6L * config.Dim, streamType);
        return new TimeEmbedding(embedding0, embedding2, projection, config.FreqDim, config.Dim);
    }

    /// <summary>[cos | sin] of t [B] in float64: [B, <paramref name="width"/>].</summary>
    public static Tensor Sinusoid(Tensor t, int width)
    {
        using var scope = NewDisposeScope();
        var half = width / 2;
        var omega = pow(10000.0, -arange(half, ScalarType.Float64, t.device) / half);
        var phase = outer(t.to(ScalarType.Float64).flatten(), omega);
        return cat([phase.cos(), phase.sin()], 1).MoveToOuterDisposeScope();
    }

    /// <summary>t [B] → (e [B, D], e0 [B, 6, D]) in the stream dtype.</summary>
    public (Tensor E, Tensor E0) Forward(Tensor t)
    {
        using var scope = NewDisposeScope();
        var sinusoid = Sinusoid(t, freqDim);
        var e = embedding2.Forward(silu(embedding0.Forward(sinusoid)));
        var e0 = projection.Forward(silu(e)).unflatten(1, [6, dim]);
        return (e.MoveToOuterDisposeScope(), e0.MoveToOuterDisposeScope());
    }
}
