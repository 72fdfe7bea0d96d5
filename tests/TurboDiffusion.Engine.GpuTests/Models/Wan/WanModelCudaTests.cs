using TurboDiffusion.Engine.Checkpoints;
using TurboDiffusion.Engine.Models.Wan;
using TurboDiffusion.Engine.Runtime;
using TurboDiffusion.Engine.Tests.Fixtures;
using TurboDiffusion.Engine.Tests.Models.Wan;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.GpuTests.Models.Wan;

/// <summary>The inference precision on a GPU.</summary>
public sealed class WanModelCudaTests(ITestOutputHelper output)
{
    [Fact]
    public void Dit_t2v_tiny_in_bf16_on_cuda_matches_out_fp64()
    {
        CudaDevice.Require();
        using var fixture = WanFixture.T2V();
        using var model = WanModel.Load(fixture.Weights, fixture.Config, WanPrecision.Bf16, CUDA);
        using var x = fixture.X.to(ScalarType.BFloat16, CUDA);
        using var timestep = fixture.Timestep.to(ScalarType.BFloat16, CUDA);
        using var prompt = fixture.Context.to(ScalarType.BFloat16, CUDA);

        using var context = model.PrepareContext(prompt);
        using var velocity = model.Forward(x, timestep, context);

        using var outputs = fixture.Golden.Tensors("outputs.safetensors");
        using var official = outputs.Load("out_bf16_gpu");
        var fromOfficial = TensorAssert.Compare(velocity, official);
        output.WriteLine($"dit_t2v_tiny bf16 CUDA vs the official bf16 GPU output: max_abs {fromOfficial.MaxAbs:E2}, rel_l2 {fromOfficial.RelL2:E2}");
        var tolerance = fixture.Golden.Tolerance("bf16 GPU implementation vs out_fp64");
        var difference = TensorAssert.Compare(velocity, fixture.OutFp64);
        output.WriteLine($"dit_t2v_tiny bf16 CUDA vs out_fp64: max_abs {difference.MaxAbs:E2}, rel_l2 {difference.RelL2:E2}");
        Assert.Equal(ScalarType.Float32, velocity.dtype);
        TensorAssert.Close(velocity, fixture.OutFp64, tolerance, "dit_t2v_tiny bf16 CUDA vs out_fp64");
    }

    [Fact]
    public void Dit_t2v_tiny_from_turbo_pth_in_bf16_on_cuda_matches_out_fp64()
    {
        CudaDevice.Require();
        using var fixture = WanFixture.T2V();
        using var checkpoint = WanCheckpoint.Open(fixture.Golden.PathOf("turbo.pth"));
        using var model = WanModel.Load(checkpoint, fixture.Config, WanPrecision.Bf16, CUDA);
        using var x = fixture.X.to(ScalarType.BFloat16, CUDA);
        using var timestep = fixture.Timestep.to(ScalarType.BFloat16, CUDA);
        using var prompt = fixture.Context.to(ScalarType.BFloat16, CUDA);

        using var context = model.PrepareContext(prompt);
        using var velocity = model.Forward(x, timestep, context);

        var difference = TensorAssert.Close(velocity, fixture.OutFp64, fixture.Golden.Tolerance("bf16 GPU implementation vs out_fp64"), "turbo.pth bf16 CUDA vs out_fp64");
        output.WriteLine($"turbo.pth bf16 CUDA vs out_fp64: max_abs {difference.MaxAbs:E2}, rel_l2 {difference.RelL2:E2}");
    }

    [Fact]
    public void Dit_t2v_tiny_with_fused_glue_matches_out_fp64_and_the_unfused_forward()
    {
        CudaDevice.RequireNativeKernels();
        using var fixture = WanFixture.T2V();
        using var fused = WanModel.Load(fixture.Weights, fixture.Config, WanPrecision.Bf16, CUDA);
        using var unfused = WanModel.Load(fixture.Weights, fixture.Config, WanPrecision.Bf16, CUDA, kernelPlan: KernelPlan.Dense(fixture.Config, WanPrecision.Bf16, CUDA).WithReferenceGlue());
        using var x = fixture.X.to(ScalarType.BFloat16, CUDA);
        using var timestep = fixture.Timestep.to(ScalarType.BFloat16, CUDA);
        using var prompt = fixture.Context.to(ScalarType.BFloat16, CUDA);

        using var fusedContext = fused.PrepareContext(prompt);
        using var fusedVelocity = fused.Forward(x, timestep, fusedContext);
        using var unfusedContext = unfused.PrepareContext(prompt);
        using var unfusedVelocity = unfused.Forward(x, timestep, unfusedContext);

        Assert.Equal(KernelPath.Native, fused.KernelPlan.Glue);
        Assert.Equal(KernelPath.Reference, unfused.KernelPlan.Glue);
        var fromFp64 = TensorAssert.Close(fusedVelocity, fixture.OutFp64, fixture.Golden.Tolerance("bf16 GPU implementation vs out_fp64"), "dit_t2v_tiny fused bf16 CUDA vs out_fp64");
        output.WriteLine($"dit_t2v_tiny fused bf16 CUDA vs out_fp64: max_abs {fromFp64.MaxAbs:E2}, rel_l2 {fromFp64.RelL2:E2}");
        var fromUnfused = TensorAssert.Compare(fusedVelocity, unfusedVelocity);
        output.WriteLine($"dit_t2v_tiny fused vs unfused: max_abs {fromUnfused.MaxAbs:E2}, rel_l2 {fromUnfused.RelL2:E2}");
        Assert.True(
            fromUnfused.RelL2 <= 1e-3,
            $"fused vs unfused rel_l2 {fromUnfused.RelL2:E2}: both round at the same points and differ only in rare one-ulp bf16 ties, far below the 1e-3 bound (bf16 itself costs 4.5e-3 against out_fp64)");
    }

    [Fact]
    public void Wan21_1_3B_fused_forward_agrees_with_the_unfused_one()
    {
        CudaDevice.RequireNativeKernels();
        var config = WanConfig.Wan21T2V1Point3B;
        using var weights = new RandomWanWeights(config, seed: 1, ScalarType.BFloat16, CUDA);
        using var fused = WanModel.Load(weights, config, WanPrecision.Bf16, CUDA);
        using var unfused = WanModel.Load(weights, config, WanPrecision.Bf16, CUDA, kernelPlan: KernelPlan.Dense(config, WanPrecision.Bf16, CUDA).WithReferenceGlue());
        using var generator = new Generator(2);
        using var x = randn(new long[] { 1, 16, 2, 60, 104 }, generator: generator).to(ScalarType.BFloat16, CUDA);
        using var prompt = randn(new long[] { 1, 512, config.TextDim }, generator: generator).to(ScalarType.BFloat16, CUDA);
        using var t = full(new long[] { 1 }, 988f, ScalarType.BFloat16, CUDA);

        using var fusedContext = fused.PrepareContext(prompt);
        using var fusedVelocity = fused.Forward(x, t, fusedContext);
        using var unfusedContext = unfused.PrepareContext(prompt);
        using var unfusedVelocity = unfused.Forward(x, t, unfusedContext);

        Assert.Equal(KernelPath.Native, fused.KernelPlan.Glue);
        var difference = TensorAssert.Compare(fusedVelocity, unfusedVelocity);
        output.WriteLine($"1.3B at 480p, 5 frames: fused vs unfused max_abs {difference.MaxAbs:E2}, rel_l2 {difference.RelL2:E2}");
        Assert.True(difference.RelL2 <= 1e-2, $"rel_l2 {difference.RelL2:E2}: two bf16 implementations of one forward should agree within the bf16 bound 1e-2");
    }

    [Fact]
    public void Wan21_1_3B_forward_at_480p_81_frames_in_bf16_is_finite_and_well_scaled()
    {
        CudaDevice.Require();
        var config = WanConfig.Wan21T2V1Point3B;
        using var weights = new RandomWanWeights(config, seed: 1, ScalarType.BFloat16, CUDA);
        using var model = WanModel.Load(weights, config, WanPrecision.Bf16, CUDA);
        using var generator = new Generator(2);
        using var x = randn(new long[] { 1, 16, 21, 60, 104 }, generator: generator).to(ScalarType.BFloat16, CUDA);
        using var prompt = randn(new long[] { 1, 512, config.TextDim }, generator: generator).to(ScalarType.BFloat16, CUDA);
        using var t = full(new long[] { 1 }, 988f, ScalarType.BFloat16, CUDA);
        using var context = model.PrepareContext(prompt);

        using var velocity = model.Forward(x, t, context);

        Assert.Equal(x.shape, velocity.shape);
        Assert.True(velocity.isfinite().all().item<bool>());
        Assert.InRange(velocity.std().item<float>(), 0.1f, 10f);
    }
}
