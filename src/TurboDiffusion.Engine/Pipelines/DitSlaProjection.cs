using TurboDiffusion.Engine.Attention;
using TurboDiffusion.Engine.Checkpoints;
using TurboDiffusion.Engine.Models.Wan;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Pipelines;

/// <summary>
/// SLA's proj_l as TurboDiffusion checkpoints store it, one per DiT block
/// (<c>blocks.{i}.self_attn.attn_op.local_attn.proj_l.{weight, bias}</c>), read into that block's SLA kernel.
/// </summary>
internal static class DitSlaProjection
{
    /// <summary>The checkpoint name of block <paramref name="block"/>'s proj_l, without <c>.weight</c>/<c>.bias</c>.</summary>
    public static string Prefix(int block) => $"blocks.{block}.self_attn.attn_op.local_attn.proj_l";

    /// <summary>
    /// Block <paramref name="block"/>'s SLA on <paramref name="plan"/>'s branches, over its proj_l read as
    /// <paramref name="type"/> on <paramref name="device"/>; a missing or misshapen tensor throws
    /// <see cref="CheckpointException"/> naming file and key.
    /// </summary>
    public static SlaAttention Load(WanCheckpoint checkpoint, int block, KernelPlan plan, ScalarType type, Device device)
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

        // The attention takes both out of this scope; a failed read of the bias frees the weight.
        using var scope = NewDisposeScope();
        return plan.CreateSlaAttention(checkpoint.Load(weightInfo.Name, type, device), checkpoint.Load(biasInfo.Name, type, device));
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
