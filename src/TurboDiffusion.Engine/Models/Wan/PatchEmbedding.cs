using TurboDiffusion.Engine.Models.Weights;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.Wan;

/// <summary>
/// The patch embedding, a Conv3d with kernel = stride = patch (pt, ph, pw) run as one GEMM.
/// x [B, C, T, H, W] → patches [B, L, C·pt·ph·pw] with feature order (c, pt, ph, pw) (the Conv3d weight's
/// [D, C, pt, ph, pw] flattened) and token order (f, h, w) → tokens [B, L, D].
/// The GEMM runs in the compute dtype; tokens come back in the stream dtype, the start of the residual stream.
/// </summary>
internal sealed class PatchEmbedding
{
    private readonly WanLinear projection;
    private readonly WanPatchSize patch;
    private readonly ScalarType streamType;

    private PatchEmbedding(WanLinear projection, WanPatchSize patch, ScalarType streamType)
    {
        this.projection = projection;
        this.patch = patch;
        this.streamType = streamType;
    }

    /// <summary>Reads <c>patch_embedding.weight</c> as the official Conv3d [D, C, pt, ph, pw] and <c>patch_embedding.bias</c> [D].</summary>
    public static PatchEmbedding Load(WeightLoader weights, WanConfig config, WanPrecision precision)
    {
        var p = config.PatchSize;
        long[] convShape = [config.Dim, config.InDim, p.T, p.H, p.W];
        var projection = WanLinear.Load(weights, "patch_embedding", (long)config.InDim * p.Volume, config.Dim, precision.Compute, convShape);
        return new PatchEmbedding(projection, p, precision.Stream);
    }

    /// <summary>The grid of tokens x [B, C, T, H, W] gives; T, H, W must be multiples of the patch.</summary>
    public WanGrid GridOf(Tensor x)
    {
        var (t, h, w) = (x.shape[2], x.shape[3], x.shape[4]);
        if (t % patch.T != 0 || h % patch.H != 0 || w % patch.W != 0)
        {
            throw new ArgumentException($"Latent [T, H, W] = [{t}, {h}, {w}] is not a multiple of the patch {patch}.");
        }

        return new WanGrid(t / patch.T, h / patch.H, w / patch.W);
    }

    /// <summary>x [B, C, T, H, W] → [B, L, C·pt·ph·pw], features (c, pt, ph, pw), tokens (f, h, w).</summary>
    public Tensor Patchify(Tensor x)
    {
        using var scope = NewDisposeScope();
        var grid = GridOf(x);
        var (b, c) = (x.shape[0], x.shape[1]);
        var blocks = x.reshape(b, c, grid.F, patch.T, grid.H, patch.H, grid.W, patch.W);
        var patches = blocks.permute(0, 2, 4, 6, 1, 3, 5, 7).reshape(b, grid.Tokens, c * patch.Volume);
        return patches.MoveToOuterDisposeScope();
    }

    /// <summary>patches [B, L, C·pt·ph·pw] → tokens [B, L, D] in the stream dtype.</summary>
    public Tensor Forward(Tensor patches)
    {
        using var scope = NewDisposeScope();
        return projection.Forward(patches).to(streamType).MoveToOuterDisposeScope();
    }
}
