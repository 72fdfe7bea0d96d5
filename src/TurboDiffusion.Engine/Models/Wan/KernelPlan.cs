using TurboDiffusion.Engine.Attention;
using TurboDiffusion.Engine.Runtime;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.Wan;

/// <summary>
/// Which path every op of a DiT runs, decided once before the model loads and kept for its life: its self-attention
/// (dense, SLA or SageSLA, with SLA's top-k and blocks), SLA's sparse and linear branches, and the blocks' elementwise
/// glue, each on the native CUDA kernels or on the TorchSharp reference. The factories take each native path wherever
/// its kernels serve the model, precision and device; <see cref="WithReferenceAttention"/> and
/// <see cref="WithReferenceGlue"/> give the baselines. Nothing is probed inside a forward.
/// </summary>
public sealed record KernelPlan
{
    private KernelPlan(SelfAttentionKind selfAttention, SlaOptions? sla, KernelPath sparseBranch, KernelPath linearBranch, KernelPath glue)
    {
        (SelfAttention, Sla) = (selfAttention, sla);
        (SparseBranch, LinearBranch, Glue) = (sparseBranch, linearBranch, glue);
    }

    public SelfAttentionKind SelfAttention { get; private init; }

    /// <summary>SLA's top-k and blocks; null for dense attention.</summary>
    public SlaOptions? Sla { get; private init; }

    /// <summary>
    /// SLA's sparse branch: the native bf16 kernel or the reference, and for SageSLA its int8/fp8 kernel or its quantized
    /// reference. Dense attention has none: reference.
    /// </summary>
    public KernelPath SparseBranch { get; private init; }

    /// <summary>SLA's linear branch with proj_l and the sum: the fused native kernels or the reference. Dense attention has none: reference.</summary>
    public KernelPath LinearBranch { get; private init; }

    /// <summary>The blocks' LayerNorm with modulation, q/k RMSNorm with RoPE and residual adds: one fused kernel each, or the reference.</summary>
    public KernelPath Glue { get; private init; }

    /// <summary>Dense self-attention (libtorch SDPA), with the fused glue where it can run.</summary>
    public static KernelPlan Dense(WanConfig config, WanPrecision precision, Device device) =>
        new(SelfAttentionKind.Dense, null, KernelPath.Reference, KernelPath.Reference, GlueFor(config, precision, device));

    /// <summary>SLA with <paramref name="options"/>: each branch and the glue native where their kernels can run, else the reference.</summary>
    public static KernelPlan SparseLinear(SlaOptions options, WanConfig config, WanPrecision precision, Device device)
    {
        ArgumentNullException.ThrowIfNull(options);
        var sparse = NativeSlaSparseBranch.CanRun(device, precision.Compute) ? KernelPath.Native : KernelPath.Reference;
        return new(SelfAttentionKind.Sla, options, sparse, LinearBranchFor(config, precision, device), GlueFor(config, precision, device));
    }

    /// <summary>SLA on the native SageSLA sparse kernel with <paramref name="options"/>; the linear branch and the glue native where they can run.</summary>
    /// <exception cref="NotSupportedException">SageSLA cannot run the model here (<see cref="SageSlaObstacle"/>); the message says why.</exception>
    public static KernelPlan SageSla(SlaOptions options, WanConfig config, WanPrecision precision, Device device)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (SageSlaObstacle(config, precision, device, CapabilityOf(device)) is { } obstacle)
        {
            throw new NotSupportedException($"SageSLA cannot run {config.Name} here: {obstacle}.");
        }

        return new(SelfAttentionKind.SageSla, options, KernelPath.Native, LinearBranchFor(config, precision, device), GlueFor(config, precision, device));
    }

    /// <summary>The compute capability of <paramref name="device"/>'s GPU; null off CUDA.</summary>
    public static ComputeCapability? CapabilityOf(Device device) =>
        device.type == DeviceType.CUDA ? CudaDevices.Capability(Math.Max(0, device.index)) : null;

    /// <summary>SageSLA's own blocks, as TurboDiffusion picks them per architecture: 64/128 on Hopper (compute capability 9.x), 128/64 elsewhere.</summary>
    public static SlaOptions SageSlaBlocks(ComputeCapability? capability) =>
        capability?.Major == 9 ? SlaOptions.Hopper() : SlaOptions.Default;

    /// <summary>Why native SageSLA cannot run the model here, every reason; null when it can.</summary>
    public static string? SageSlaObstacle(WanConfig config, WanPrecision precision, Device device, ComputeCapability? capability)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(precision);
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

    /// <summary>This plan with SLA's sparse and linear branches on the TorchSharp reference.</summary>
    public KernelPlan WithReferenceAttention() => this with { SparseBranch = KernelPath.Reference, LinearBranch = KernelPath.Reference };

    /// <summary>This plan with the blocks' glue on the TorchSharp reference: the unfused baseline.</summary>
    public KernelPlan WithReferenceGlue() => this with { Glue = KernelPath.Reference };

    /// <summary>
    /// One block's SLA self-attention on this plan's branches, over that block's proj_l (<paramref name="projectionWeight"/>
    /// [D, D] and <paramref name="projectionBias"/> [D], taken over).
    /// </summary>
    /// <exception cref="InvalidOperationException">The plan's self-attention is dense, which has no proj_l.</exception>
    public SlaAttention CreateSlaAttention(Tensor projectionWeight, Tensor projectionBias) =>
        Sla is { } options
            ? new SlaAttention(projectionWeight, projectionBias, options, SparseBranchKernel, LinearBranchKernel)
            : throw new InvalidOperationException("The plan's self-attention is dense: it builds no SLA.");

    /// <summary>
    /// What the self-attention runs, as the CLI, the sidecars and the dashboard show it: "dense (libtorch SDPA)",
    /// "sla (top-k 0.1, blocks 128/64; sparse branch native, linear branch native)" or "sagesla (top-k 0.1, blocks
    /// 64/128; linear branch native)".
    /// </summary>
    public string DescribeSelfAttention() => Sla is not { } options
        ? "dense (libtorch SDPA)"
        : SelfAttention == SelfAttentionKind.SageSla && SparseBranch == KernelPath.Native
            ? $"sagesla (top-k {options.Ratio}, blocks {options.QueryBlock}/{options.KeyBlock}; linear branch {Name(LinearBranch)})"
            : $"{Name(SelfAttention)} (top-k {options.Ratio}, blocks {options.QueryBlock}/{options.KeyBlock}; sparse branch {Name(SparseBranch)}, linear branch {Name(LinearBranch)})";

    internal IWanBlockOps BlockOps => Glue == KernelPath.Native ? FusedWanBlockOps.Instance : ReferenceWanBlockOps.Instance;

    private ISlaSparseBranch SparseBranchKernel => (SelfAttention, SparseBranch) switch
    {
        (SelfAttentionKind.SageSla, KernelPath.Native) => NativeSageSlaSparseBranch.Instance,
        (SelfAttentionKind.SageSla, _) => ReferenceSageSlaSparseBranch.Instance,
        (_, KernelPath.Native) => NativeSlaSparseBranch.Instance,
        _ => ReferenceSlaSparseBranch.Instance,
    };

    private ISlaLinearBranch LinearBranchKernel =>
        LinearBranch == KernelPath.Native ? NativeSlaLinearBranch.Instance : ReferenceSlaLinearBranch.Instance;

    private static KernelPath LinearBranchFor(WanConfig config, WanPrecision precision, Device device) =>
        NativeSlaLinearBranch.CanRun(device, precision.Compute, config.HeadDim) ? KernelPath.Native : KernelPath.Reference;

    private static KernelPath GlueFor(WanConfig config, WanPrecision precision, Device device) =>
        FusedWanBlockOps.CanRun(config, precision, device) ? KernelPath.Native : KernelPath.Reference;

    private static string Name(Enum value) => value.ToString().ToLowerInvariant();
}

/// <summary>Which self-attention a DiT runs; cross-attention is always dense.</summary>
public enum SelfAttentionKind
{
    /// <summary>Exact softmax attention through libtorch SDPA.</summary>
    Dense,

    /// <summary>Sparse-linear attention (<see cref="SlaAttention"/>).</summary>
    Sla,

    /// <summary>SLA with SageSLA's int8/fp8 sparse branch.</summary>
    SageSla,
}

/// <summary>Where an op runs.</summary>
public enum KernelPath
{
    /// <summary>The TorchSharp reference: any device and dtype.</summary>
    Reference,

    /// <summary>The native CUDA kernels (libturbo_kernels).</summary>
    Native,
}
