using TurboDiffusion.Engine.Attention;
using TurboDiffusion.Engine.Checkpoints;
using TurboDiffusion.Engine.Models.Wan;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Pipelines;

/// <summary>
/// Decides a DiT's <see cref="KernelPlan"/> from <see cref="DitAttentionOptions"/>, its checkpoint and where it runs,
/// before any weight is read; <see cref="WanModel.Load"/> then builds one kernel per block from the answer.
/// <para>Auto: TurboDiffusion distilled its checkpoints with SLA, so a checkpoint with proj_l runs SLA (dense attention
/// would drop the linear branch and proj_l, a different function): SageSLA where it can run, else SLA with the best
/// sparse branch (the native bf16 kernel, or the TorchSharp reference). A checkpoint without proj_l runs dense.</para>
/// <para>Forced sla or sagesla never falls back: a checkpoint without proj_l fails naming file and key, and sagesla
/// where it cannot run fails with the reason.</para>
/// <para>Blocks: SLA takes 128-token query and 64-token key blocks (the Triton kernel's); SageSLA its own
/// (<see cref="KernelPlan.SageSlaBlocks"/>); blocks given in the options replace these.</para>
/// </summary>
internal static class DitAttention
{
    /// <exception cref="CheckpointException">SLA was asked for (or chosen) and a block's proj_l is missing.</exception>
    /// <exception cref="NotSupportedException">SageSLA was asked for and cannot run here; the message says why.</exception>
    public static KernelPlan Plan(DitAttentionOptions options, WanCheckpoint checkpoint, WanConfig config, WanPrecision precision, Device device)
    {
        if (options.Mode == DitAttentionMode.Dense || (options.Mode == DitAttentionMode.Auto && checkpoint.SlaNames.Count == 0))
        {
            return KernelPlan.Dense(config, precision, device);
        }

        RequireProjections(options.Mode, checkpoint, config);
        if (options.Mode == DitAttentionMode.Sla)
        {
            return Sla(options, config, precision, device);
        }

        var capability = KernelPlan.CapabilityOf(device);
        if (KernelPlan.SageSlaObstacle(config, precision, device, capability) is not { } obstacle)
        {
            return KernelPlan.SageSla(options.Sla(KernelPlan.SageSlaBlocks(capability)), config, precision, device);
        }

        return options.Mode == DitAttentionMode.SageSla
            ? throw new NotSupportedException($"Attention sagesla cannot run {checkpoint.Path} here: {obstacle}. Attention sla, or auto, runs SLA without the SageSLA kernel.")
            : Sla(options, config, precision, device);
    }

    /// <summary>
    /// Block i's self-attention as <paramref name="plan"/> has it, over the checkpoint's proj_l, for
    /// <see cref="WanModel.Load"/>; null for dense attention.
    /// </summary>
    public static Func<int, IAttention>? SelfAttention(KernelPlan plan, WanCheckpoint checkpoint, WanPrecision precision, Device device) =>
        plan.SelfAttention == SelfAttentionKind.Dense ? null : block => DitSlaProjection.Load(checkpoint, block, plan, precision.Compute, device);

    /// <summary>What the models' self-attention runs (<see cref="KernelPlan.DescribeSelfAttention"/>), once per distinct plan, so experts that differ say so.</summary>
    public static string Describe(params WanModel[] models) =>
        string.Join("; ", models.Select(m => m.KernelPlan.DescribeSelfAttention()).Distinct());

    private static KernelPlan Sla(DitAttentionOptions options, WanConfig config, WanPrecision precision, Device device) =>
        KernelPlan.SparseLinear(options.Sla(SlaOptions.Default), config, precision, device);

    /// <summary>Checked before the load starts: a missing proj_l would otherwise surface halfway through it.</summary>
    private static void RequireProjections(DitAttentionMode mode, WanCheckpoint checkpoint, WanConfig config)
    {
        var missing = Enumerable.Range(0, config.NumLayers)
            .SelectMany(block => new[] { $"{DitSlaProjection.Prefix(block)}.weight", $"{DitSlaProjection.Prefix(block)}.bias" })
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

    private static string Name(DitAttentionMode mode) => mode.ToString().ToLowerInvariant();
}
