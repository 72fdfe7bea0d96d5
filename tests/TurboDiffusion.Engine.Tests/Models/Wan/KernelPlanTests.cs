using TorchSharp;
using TurboDiffusion.Engine.Attention;
using TurboDiffusion.Engine.Models.Wan;
using TurboDiffusion.Engine.Runtime;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Models.Wan;

public sealed class KernelPlanTests
{
    // A CUDA device as a value: torch.CUDA would initialise CUDA, which a CPU host cannot.
    private static readonly Device Cuda = new(DeviceType.CUDA, 0);

    public KernelPlanTests() => TorchRuntime.EnsureLoaded();

    [Fact]
    public void A_cpu_model_runs_every_op_on_the_reference_in_every_precision()
    {
        foreach (var precision in new[] { WanPrecision.Bf16, WanPrecision.Fp32, WanPrecision.Fp64 })
        {
            var dense = KernelPlan.Dense(WanConfig.Wan21T2V1Point3B, precision, CPU);
            var sla = KernelPlan.SparseLinear(SlaOptions.Default, WanConfig.Wan21T2V1Point3B, precision, CPU);

            Assert.Equal((SelfAttentionKind.Dense, null, KernelPath.Reference), (dense.SelfAttention, dense.Sla, dense.Glue));
            Assert.Equal(
                (SelfAttentionKind.Sla, SlaOptions.Default, KernelPath.Reference, KernelPath.Reference, KernelPath.Reference),
                (sla.SelfAttention, sla.Sla, sla.SparseBranch, sla.LinearBranch, sla.Glue));
        }
    }

    [Fact]
    public void Without_the_native_library_a_bf16_cuda_model_runs_every_op_on_the_reference()
    {
        Assert.False(NativeKernels.Available);

        var plan = KernelPlan.SparseLinear(SlaOptions.Default, WanConfig.Wan21T2V14B, WanPrecision.Bf16, Cuda);

        Assert.Equal((KernelPath.Reference, KernelPath.Reference, KernelPath.Reference), (plan.SparseBranch, plan.LinearBranch, plan.Glue));
        Assert.False(FusedWanBlockOps.CanRun(WanConfig.Wan21T2V14B, WanPrecision.Bf16, Cuda));
        Assert.False(NativeSlaSparseBranch.CanRun(Cuda, ScalarType.BFloat16));
        Assert.False(NativeSlaLinearBranch.CanRun(Cuda, ScalarType.BFloat16, NativeSlaLinearBranch.HeadDim));
    }

    [Fact]
    public void The_native_kernels_refuse_what_they_were_not_built_for_whatever_is_loaded()
    {
        Assert.False(NativeSlaSparseBranch.CanRun(CPU, ScalarType.BFloat16));
        Assert.False(NativeSlaSparseBranch.CanRun(Cuda, ScalarType.Float32));
        Assert.False(NativeSlaLinearBranch.CanRun(CPU, ScalarType.BFloat16, NativeSlaLinearBranch.HeadDim));
        Assert.False(NativeSlaLinearBranch.CanRun(Cuda, ScalarType.BFloat16, 64));
        Assert.False(FusedWanBlockOps.CanRun(WanConfig.Wan21T2V1Point3B, WanPrecision.Fp32, Cuda));
    }

    [Fact]
    public void SageSla_where_it_cannot_run_is_refused_with_every_reason()
    {
        var narrowHeads = WanConfig.Tiny with { Name = "tiny-64", NumHeads = 4 };

        var error = Assert.Throws<NotSupportedException>(() => KernelPlan.SageSla(SlaOptions.Default, narrowHeads, WanPrecision.Fp32, CPU));

        Assert.Contains("the native kernels are not loaded", error.Message, StringComparison.Ordinal);
        Assert.Contains("the model runs on cpu, not on a CUDA GPU", error.Message, StringComparison.Ordinal);
        Assert.Contains("the model computes in Float32, and SageSLA takes bf16", error.Message, StringComparison.Ordinal);
        Assert.Contains($"tiny-64 has head dim 64, and the kernel takes {NativeSageSlaSparseBranch.HeadDim}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SageSla_names_a_gpu_without_fp8_tensor_cores()
    {
        var obstacle = KernelPlan.SageSlaObstacle(WanConfig.Wan21T2V1Point3B, WanPrecision.Bf16, Cuda, new ComputeCapability(8, 6));

        Assert.NotNull(obstacle);
        Assert.Contains("compute capability 8.6, and SageSLA's fp8 tensor cores need 8.9 or newer", obstacle, StringComparison.Ordinal);
    }

    [Fact]
    public void SageSla_takes_64_128_blocks_on_hopper_and_128_64_elsewhere()
    {
        Assert.Equal(SlaOptions.Hopper(), KernelPlan.SageSlaBlocks(new ComputeCapability(9, 0)));
        Assert.Equal(SlaOptions.Default, KernelPlan.SageSlaBlocks(new ComputeCapability(8, 9)));
        Assert.Equal(SlaOptions.Default, KernelPlan.SageSlaBlocks(new ComputeCapability(12, 0)));
        Assert.Equal(SlaOptions.Default, KernelPlan.SageSlaBlocks(null));
    }

    [Fact]
    public void The_description_names_the_attention_its_blocks_and_branches()
    {
        var sla = KernelPlan.SparseLinear(new SlaOptions(0.15, 64, 128), WanConfig.Tiny, WanPrecision.Fp32, CPU);

        Assert.Equal("dense (libtorch SDPA)", KernelPlan.Dense(WanConfig.Tiny, WanPrecision.Fp32, CPU).DescribeSelfAttention());
        Assert.Equal("sla (top-k 0.15, blocks 64/128; sparse branch reference, linear branch reference)", sla.DescribeSelfAttention());
        Assert.Equal(sla.DescribeSelfAttention(), sla.WithReferenceGlue().DescribeSelfAttention());
    }

    [Fact]
    public void Sla_kernels_run_the_planned_branches_and_a_dense_plan_builds_none()
    {
        var plan = KernelPlan.SparseLinear(new SlaOptions(0.5, 64, 32), WanConfig.Tiny, WanPrecision.Fp64, CPU);

        using var sla = plan.CreateSlaAttention(zeros(16, 16, ScalarType.Float64), zeros(16, ScalarType.Float64));

        Assert.Equal((plan.Sla, "reference", "reference"), (sla.Options, sla.SparseBranch, sla.LinearBranch));
        Assert.Throws<InvalidOperationException>(() => KernelPlan.Dense(WanConfig.Tiny, WanPrecision.Fp64, CPU).CreateSlaAttention(zeros(16, 16), zeros(16)));
    }

    [Fact]
    public void A_model_keeps_its_plan_and_refuses_an_sla_plan_without_its_kernels()
    {
        using var weights = new RandomWanWeights(WanConfig.Tiny, seed: 1);
        var sla = KernelPlan.SparseLinear(SlaOptions.Default, WanConfig.Tiny, WanPrecision.Fp32, CPU);
        var live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        var error = Assert.Throws<ArgumentException>(() => WanModel.Load(weights, WanConfig.Tiny, WanPrecision.Fp32, kernelPlan: sla));
        Assert.Equal(live, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        using var model = WanModel.Load(weights, WanConfig.Tiny, WanPrecision.Fp32);

        Assert.Contains("sla (top-k 0.1, blocks 128/64; sparse branch reference, linear branch reference)", error.Message, StringComparison.Ordinal);
        Assert.Equal(KernelPlan.Dense(WanConfig.Tiny, WanPrecision.Fp32, CPU), model.KernelPlan);
    }
}
