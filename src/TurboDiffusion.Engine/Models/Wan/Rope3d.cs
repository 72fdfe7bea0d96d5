using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.Wan;

/// <summary>
/// 3-D rotary position embedding of Wan's self-attention. A head of D dims is C = D/2 adjacent pairs
/// (x[2j], x[2j+1]), split into C − 2⌊C/3⌋ time pairs, then ⌊C/3⌋ height and ⌊C/3⌋ width pairs
/// (22/21/21 for D = 128). Pair j of an axis with 2n dims turns by pos · θ^(−2j/2n), θ = 10000, where pos is
/// the token's integer grid coordinate (from 0, no centring). Angles are float64, as the reference's complex128.
/// </summary>
internal sealed class Rope3d
{
    private const double Theta = 10000;

    private readonly long timePairs;
    private readonly long spacePairs;

    public Rope3d(int headDim)
    {
        var pairs = headDim / 2;
        spacePairs = pairs / 3;
        timePairs = pairs - 2 * spacePairs;
    }

    /// <summary>Rotation angles [L, C] in float64: [time pairs at f | height pairs at h | width pairs at w].</summary>
    public Tensor Angles(WanGrid grid, Device device)
    {
        using var scope = NewDisposeScope();
        var f = AxisAngles(grid.F, timePairs, device).view(grid.F, 1, 1, timePairs).expand(grid.F, grid.H, grid.W, timePairs);
        var h = AxisAngles(grid.H, spacePairs, device).view(1, grid.H, 1, spacePairs).expand(grid.F, grid.H, grid.W, spacePairs);
        var w = AxisAngles(grid.W, spacePairs, device).view(1, 1, grid.W, spacePairs).expand(grid.F, grid.H, grid.W, spacePairs);
        return cat([f, h, w], -1).reshape(grid.Tokens, timePairs + 2 * spacePairs).MoveToOuterDisposeScope();
    }

    /// <summary>cos and sin of <see cref="Angles"/>, shaped [1, L, 1, C] for q/k [B, L, heads, D], in <paramref name="streamType"/>.</summary>
    public RopeTable Table(WanGrid grid, Device device, ScalarType streamType)
    {
        using var scope = NewDisposeScope();
        var angles = Angles(grid, device).view(1, grid.Tokens, 1, -1);
        return new RopeTable(angles.cos().to(streamType).MoveToOuterDisposeScope(), angles.sin().to(streamType).MoveToOuterDisposeScope());
    }

    // Axis with n pairs: angle_j(pos) = pos · θ^(−2j / 2n), j < n.
    private static Tensor AxisAngles(long positions, long pairs, Device device)
    {
        using var scope = NewDisposeScope();
        var exponents = arange(0, 2 * pairs, 2, ScalarType.Float64, device) / (2.0 * pairs);
        var frequencies = 1.0 / pow(Theta, exponents);
        return outer(arange(positions, ScalarType.Float64, device), frequencies).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// The rotation of one grid: cos and sin [1, L, 1, C] in the stream dtype. <see cref="Rotate"/> turns
/// each adjacent pair: y0 = x0·cos − x1·sin, y1 = x0·sin + x1·cos.
/// </summary>
internal sealed class RopeTable(Tensor cos, Tensor sin) : IDisposable
{
    /// <summary>cos [1, L, 1, C], contiguous.</summary>
    public Tensor Cos => cos;

    /// <summary>sin [1, L, 1, C], contiguous.</summary>
    public Tensor Sin => sin;

    /// <summary>x [B, L, heads, D] → same shape and dtype, rotated in the table's dtype.</summary>
    public Tensor Rotate(Tensor x)
    {
        using var scope = NewDisposeScope();
        var pairs = x.to(cos.dtype).unflatten(x.dim() - 1, [x.shape[^1] / 2, 2]);
        var x0 = pairs.select(-1, 0);
        var x1 = pairs.select(-1, 1);
        var rotated = stack([x0 * cos - x1 * sin, x0 * sin + x1 * cos], -1).flatten(-2);
        return rotated.to(x.dtype).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        cos.Dispose();
        sin.Dispose();
    }
}
