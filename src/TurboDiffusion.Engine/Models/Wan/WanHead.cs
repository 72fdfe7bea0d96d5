using TurboDiffusion.Engine.Models.Weights;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.Wan;

/// <summary>
/// The output head. x [B, L, D], e [B, D] → (shift, scale) = head.modulation [1, 2, D] + e (e itself: no SiLU,
/// no projection, unlike the blocks) → head.head(LN(x)·(1 + scale) + shift) [B, L, pt·ph·pw·C_out], features
/// ordered (pt, ph, pw, c) with c fastest, the reverse of the patch embedding's input. Everything here is in
/// the stream dtype (the reference runs its head in fp32 even under bf16 autocast).
/// </summary>
internal sealed class WanHead
{
    private readonly WanLayerNorm norm;
    private readonly Tensor modulation;
    private readonly WanLinear head;
    private readonly WanPatchSize patch;
    private readonly long outDim;

    private WanHead(WanLayerNorm norm, Tensor modulation, WanLinear head, WanPatchSize patch, long outDim)
    {
        this.norm = norm;
        this.modulation = modulation;
        this.head = head;
        this.patch = patch;
        this.outDim = outDim;
    }

    /// <summary>Reads <c>head.modulation</c> [1, 2, D] and <c>head.head</c> [pt·ph·pw·C_out, D].</summary>
    public static WanHead Load(WeightLoader weights, WanConfig config, ScalarType streamType)
    {
        var scoped = weights.Scope("head");
        var modulation = scoped.Load("modulation", [1, 2, config.Dim], streamType);
        var head = WanLinear.Load(scoped, "head", config.Dim, (long)config.PatchSize.Volume * config.OutDim, streamType);
        return new WanHead(WanLayerNorm.Plain(config.Dim, config.Eps, streamType), modulation, head, config.PatchSize, config.OutDim);
    }

    /// <summary>x [B, L, D], e [B, D] (stream dtype) → [B, L, pt·ph·pw·C_out] (stream dtype).</summary>
    public Tensor Forward(Tensor x, Tensor e)
    {
        if (x.dtype != modulation.dtype || e.dtype != modulation.dtype)
        {
            throw new ArgumentException($"WanHead: the residual stream and e must be {modulation.dtype}, got {x.dtype} and {e.dtype}.");
        }

        using var scope = NewDisposeScope();
        var m = (modulation + e.unsqueeze(1)).chunk(2, 1);
        var (shift, scale) = (m[0], m[1]);
        return head.Forward(norm.Forward(x) * (1 + scale) + shift).MoveToOuterDisposeScope();
    }

    /// <summary>[B, L, pt·ph·pw·C_out] with features (pt, ph, pw, c) → the latent [B, C_out, F·pt, H·ph, W·pw].</summary>
    public Tensor Unpatchify(Tensor tokens, WanGrid grid)
    {
        using var scope = NewDisposeScope();
        var b = tokens.shape[0];
        var blocks = tokens.reshape(b, grid.F, grid.H, grid.W, patch.T, patch.H, patch.W, outDim);
        var latent = blocks.permute(0, 7, 1, 4, 2, 5, 3, 6).reshape(b, outDim, grid.F * patch.T, grid.H * patch.H, grid.W * patch.W);
        return latent.MoveToOuterDisposeScope();
    }
}
