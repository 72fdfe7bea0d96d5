using TurboDiffusion.Engine.Attention;
using TurboDiffusion.Engine.Checkpoints;
using TurboDiffusion.Engine.Models.Wan;
using TurboDiffusion.Engine.Runtime;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Pipelines;

/// <summary>
/// Decides a DiT's self-attention from <see cref="DitAttentionOptions"/>, its checkpoint and where it runs, before any
/// weight is read; <see cref="WanModel.Load"/> then builds one kernel per block from the answer.
/// <para>Auto: TurboDiffusion distilled its checkpoints with SLA, so a checkpoint with proj_l runs SLA (dense attention
/// would drop the linear branch and proj_l, a different function): SageSLA where it can run, else SLA with the best
/// sparse branch (the native bf16 kernel, or the TorchSharp reference). A checkpoint without proj_l runs dense.</para>
/// <para>Forced sla or sagesla never falls back: a checkpoint without proj_l fails naming file and key, and sagesla
/// where it cannot run fails with the reason.</para>
/// <para>Blocks: SLA takes 128-token query and 64-token key blocks (the Triton kernel's); SageSLA 64/128 on Hopper
/// (compute capability 9.x) and 128/64 elsewhere, as TurboDiffusion picks them per architecture; blocks given in the
/// options replace these.</para>
/// </summary>
internal static class DitAttention
{
    /// <returns>The self-attention of block i, for <see cref="WanModel.Load"/>; null for dense.</returns>
    /// <exception cref="CheckpointException">SLA was asked for (or chosen) and a block's proj_l is missing.</exception>
    /// <exception cref="NotSupportedException">SageSLA was asked for and cannot run here; the message says why.</exception>
    public static Func<int, IAttention>? ForBlocks(DitAttentionOptions options, WanCheckpoint checkpoint, WanConfig config, WanPrecision precision, Device device)
    {
        if (options.Mode == DitAttentionMode.Dense || (options.Mode == DitAttentionMode.Auto && checkpoint.SlaNames.Count == 0))
        {
            return null;
        }

        RequireProjections(options.Mode, checkpoint, config);
        if (options.Mode == DitAttentionMode.Sla)
        {
            return Sla(options, checkpoint, precision, device);
        }

        ComputeCapability? capability = device.type == DeviceType.CUDA ? CudaDevices.Capability(Math.Max(0, device.index)) : null;
        if (SageSlaObstacle(config, precision, device, capability) is not { } obstacle)
        {
            var tiles = options.Sla(capability?.Major == 9 ? SlaOptions.Hopper() : SlaOptions.Default);
            return SlaAttention.ForBlocks(checkpoint, tiles, precision, device, NativeSageSlaSparseBranch.Instance);
        }

        return options.Mode == DitAttentionMode.SageSla
            ? throw new NotSupportedException($"Attention sagesla cannot run {checkpoint.Path} here: {obstacle}. Attention sla, or auto, runs SLA without the SageSLA kernel.")
            : Sla(options, checkpoint, precision, device);
    }

    /// <summary>
    /// What the models' self-attention runs, e.g. "sla (top-k 0.1, blocks 128/64; sparse branch reference, linear branch
    /// reference)": each distinct kind among their blocks, so experts that differ say so.
    /// </summary>
    public static string Describe(params WanModel[] models) =>
        string.Join("; ", models.SelectMany(m => m.SelfAttention).Select(Describe).Distinct());

    private static string Describe(IAttention attention) => attention switch
    {
        SlaAttention sla when sla.SparseBranch == NativeSageSlaSparseBranch.Instance.Name =>
            $"sagesla (top-k {sla.Options.Ratio}, blocks {sla.Options.QueryBlock}/{sla.Options.KeyBlock}; linear branch {sla.LinearBranch})",
        SlaAttention sla =>
            $"sla (top-k {sla.Options.Ratio}, blocks {sla.Options.QueryBlock}/{sla.Options.KeyBlock}; sparse branch {sla.SparseBranch}, linear branch {sla.LinearBranch})",
        DenseAttention => "dense (libtorch SDPA)",
        _ => attention.Name,
    };

    private static Func<int, IAttention> Sla(DitAttentionOptions options, WanCheckpoint checkpoint, WanPrecision precision, Device device) =>
        SlaAttention.ForBlocks(checkpoint, options.Sla(SlaOptions.Default), precision, device);

    /// <summary>Checked before the load starts: a missing proj_l would otherwise surface halfway through it.</summary>
    private static void RequireProjections(DitAttentionMode mode, WanCheckpoint checkpoint, WanConfig config)
    {
        var missing = Enumerable.Range(0, config.NumLayers)
            .SelectMany(block => new[] { $"{SlaProjection.Prefix(block)}.weight", $"{SlaProjection.Prefix(block)}.bias" })
            .FirstOrDefault(key => !checkpoint.Contains(key));
        if (missing is not null)
        {
            var asked = mode == DitAttentionMode.Auto ? "SLA (attention auto's choice for a checkpoint with proj_l)" : $"attention {Name(mode)}";
            throw new CheckpointException(checkpoint.Path, missing,
                $"missing; {asked} needs every block's SLA proj_l, which TurboDiffusion checkpoints carry, and this checkpoint " +
                $"holds {checkpoint.SlaNames.Count} proj_l tensors for {config.NumLayers} blocks (a weight and a bias each). " +
                "Use attention dense, or auto (dense for checkpoints without proj_l).");
        }
    }

    /// <summary>Why native SageSLA cannot run the model here, every reason; null when it can.</summary>
    private static string? SageSlaObstacle(WanConfig config, WanPrecision precision, Device device, ComputeCapability? capability)
    {
        var reasons = new List<string>();
        if (!NativeKernels.Available)
        {
            reasons.Add($"the native kernels are not loaded ({NativeKernels.Status})");
        }

        if (device.type != DeviceType.CUDA)
        {
            reasons.Add($"the model runs on {device}, not on a CUDA GPU");
        }
        else if (capability is { } found && !found.AtLeast(ComputeCapability.Fp8))
        {
            reasons.Add($"{device} has compute capability {found}, and SageSLA's fp8 tensor cores need {ComputeCapability.Fp8} or newer");
        }

        if (precision.Compute != ScalarType.BFloat16)
        {
            reasons.Add($"the model computes in {precision.Compute}, and SageSLA takes bf16");
        }

        if (config.HeadDim != NativeSageSlaSparseBranch.HeadDim)
        {
            reasons.Add($"{config.Name} has head dim {config.HeadDim}, and the kernel takes {NativeSageSlaSparseBranch.HeadDim}");
        }

        return reasons.Count == 0 ? null : string.Join("; ", reasons);
    }

    private static string Name(DitAttentionMode mode) => mode.ToString().ToLowerInvariant();
}
