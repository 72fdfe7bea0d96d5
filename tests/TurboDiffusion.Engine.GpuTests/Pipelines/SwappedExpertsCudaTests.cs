using TurboDiffusion.Engine.Runtime;
using TurboDiffusion.Engine.Tests.Pipelines;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.GpuTests.Pipelines;

/// <summary>On the GPU the switches run on a side stream beside the compute; the renders stay those of resident experts.</summary>
public sealed class SwappedExpertsCudaTests
{
    [Fact]
    public void Overlapped_switches_render_bit_for_bit_what_resident_experts_render()
    {
        CudaDevice.Require();
        Assert.True(AllocatorCounters.Available, AllocatorCounters.Status);
        var rig = new ExpertPairRig(CUDA);
        var before = AllocatorCounters.Read()!.Value.AllocatedBytes;
        using var swapped = rig.LoadSwapped();
        var held = AllocatorCounters.Read()!.Value.AllocatedBytes - before;
        using var resident = rig.LoadResident();
        using var expected = rig.Render(resident, seed: 5);

        using var first = rig.Render(swapped, seed: 5);
        using var second = rig.Render(swapped, seed: 5);

        Assert.True(swapped.Overlapped);
        var oneExpert = swapped.First.Weights.Tensors.Sum(t => t.NumberOfElements * t.ElementSize);
        Assert.InRange(held, oneExpert, oneExpert + (1L << 20));
        Assert.True(expected.equal(first).all().item<bool>(), "the first render differs from the resident experts'");
        Assert.True(expected.equal(second).all().item<bool>(), "a second render (after the swap back) differs");
    }
}
