using TurboDiffusion.Engine.Checkpoints;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Attention;

/// <summary>
/// SLA's <c>proj_l</c>: Linear(D, D) on the linear branch, x [..., D] → x Wᵀ + b [..., D], W [D, D], b [D]
/// (D = 128 in every Turbo checkpoint), in x's dtype: bf16 rounds the parameters to bf16 and the result once,
/// as the reference's bf16 autocast on cuBLAS does; float32/float64 are exact (the parameters are fp32 or bf16).
/// </summary>
internal sealed class SlaProjection : IDisposable
{
    private readonly Tensor weight;
    private readonly Tensor bias;

    /// <summary>Takes ownership of <paramref name="weight"/> [D, D] and <paramref name="bias"/> [D].</summary>
    /// <exception cref="ArgumentException">Not a square floating-point weight with a matching bias.</exception>
    public SlaProjection(Tensor weight, Tensor bias)
    {
        ArgumentNullException.ThrowIfNull(weight);
        ArgumentNullException.ThrowIfNull(bias);
        if (weight.dim() != 2 || weight.shape[0] != weight.shape[1] || bias.dim() != 1 || bias.shape[0] != weight.shape[0]
            || !weight.is_floating_point() || !bias.is_floating_point())
        {
            throw new ArgumentException(
                $"SLA proj_l must be a floating-point Linear(D, D): weight [D, D] and bias [D]; got {weight.dtype} [{string.Join(", ", weight.shape)}] and {bias.dtype} [{string.Join(", ", bias.shape)}].");
        }

        this.weight = weight.DetachFromDisposeScope();
        this.bias = bias.DetachFromDisposeScope();
    }

    /// <summary>D: the head dim this projection accepts.</summary>
    public long Features => weight.shape[0];

    /// <summary>W [D, D] as stored ([out, in]), for kernels that fuse the projection.</summary>
    public Tensor Weight => weight;

    /// <summary>b [D] as stored.</summary>
    public Tensor Bias => bias;

    /// <summary>
    /// Reads <c>blocks.{block}.self_attn.attn_op.local_attn.proj_l.{weight, bias}</c> as <paramref name="type"/> on
    /// <paramref name="device"/>; a missing or misshapen tensor throws <see cref="CheckpointException"/> naming file and key.
    /// </summary>
    public static SlaProjection Load(WanCheckpoint checkpoint, int block, ScalarType type, Device device)
    {
        var prefix = Prefix(block);
        var weightInfo = Require(checkpoint, $"{prefix}.weight", 2);
        var features = weightInfo.Shape[0];
        if (weightInfo.Shape[1] != features)
        {
            throw new CheckpointException(checkpoint.Path, weightInfo.Name, $"expected a square Linear(D, D) weight [D, D], found [{string.Join(", ", weightInfo.Shape)}]");
        }

        var biasInfo = Require(checkpoint, $"{prefix}.bias", 1);
        if (biasInfo.Shape[0] != features)
        {
            throw new CheckpointException(checkpoint.Path, biasInfo.Name, $"expected [{features}] to match the weight [{features}, {features}], found [{biasInfo.Shape[0]}]");
        }

        // The constructor takes both out of this scope; a failed read of the bias frees the weight.
        using var scope = NewDisposeScope();
        return new SlaProjection(checkpoint.Load(weightInfo.Name, type, device), checkpoint.Load(biasInfo.Name, type, device));
    }

    /// <summary>The checkpoint name of block <paramref name="block"/>'s proj_l, without <c>.weight</c>/<c>.bias</c>.</summary>
    public static string Prefix(int block) => $"blocks.{block}.self_attn.attn_op.local_attn.proj_l";

    public Tensor Forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return SlaRounding.Linear(x, weight, bias).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        weight.Dispose();
        bias.Dispose();
    }

    private static TensorInfo Require(WanCheckpoint checkpoint, string key, int rank)
    {
        if (!checkpoint.Contains(key))
        {
            throw new CheckpointException(checkpoint.Path, key,
                $"missing; SLA needs every block's proj_l, which TurboDiffusion checkpoints carry ({checkpoint.Layout} checkpoint with {checkpoint.SlaNames.Count} proj_l tensors)");
        }

        var info = checkpoint.Info(key);
        if (info.Shape.Length != rank || !IsFloatingPoint(info.Type))
        {
            throw new CheckpointException(checkpoint.Path, key,
                $"expected a floating-point tensor of rank {rank}, found {TensorDType.Describe(info.Type)} [{string.Join(", ", info.Shape)}]");
        }

        return info;
    }

    private static bool IsFloatingPoint(ScalarType type) =>
        type is ScalarType.Float64 or ScalarType.Float32 or ScalarType.BFloat16 or ScalarType.Float16;
}
