using TurboDiffusion.Engine.Pipelines;
using TurboDiffusion.Engine.Runtime;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Pipelines;

/// <summary>Experts sharing one device copy render exactly what resident experts render, render after render.</summary>
public sealed class SwappedExpertsTests
{
    private readonly ExpertPairRig rig;

    public SwappedExpertsTests()
    {
        TorchRuntime.EnsureLoaded();
        rig = new ExpertPairRig(CPU);
    }

    [Fact]
    public void Swapped_experts_render_bit_for_bit_what_resident_experts_render()
    {
        using var resident = rig.LoadResident();
        using var swapped = rig.LoadSwapped();
        using var expected = rig.Render(resident, seed: 5);

        using var first = rig.Render(swapped, seed: 5);
        using var second = rig.Render(swapped, seed: 5);

        Assert.True(expected.equal(first).all().item<bool>(), "the first render differs from the resident experts'");
        Assert.True(expected.equal(second).all().item<bool>(), "a second render (after the swap back to the high-noise expert) differs");
    }

    [Fact]
    public void The_low_noise_expert_changes_the_result_so_a_missed_switch_would_show()
    {
        using var distinct = rig.LoadResident();
        using var highTwice = new ExpertPairRig(CPU) { LowNoiseSeed = 19 }.LoadResident();

        using var withLowNoise = rig.Render(distinct, seed: 5);
        using var withoutLowNoise = rig.Render(highTwice, seed: 5);

        Assert.False(withLowNoise.equal(withoutLowNoise).all().item<bool>());
    }

    [Fact]
    public void A_render_cancelled_after_the_switch_leaves_the_next_render_exact()
    {
        using var resident = rig.LoadResident();
        using var swapped = rig.LoadSwapped();
        using var expected = rig.Render(resident, seed: 9);

        Assert.ThrowsAny<OperationCanceledException>(() => rig.Render(swapped, seed: 9, stopAfter: 3));
        using var after = rig.Render(swapped, seed: 9);

        Assert.True(expected.equal(after).all().item<bool>(), "the render after a cancelled one differs");
    }

    [Fact]
    public void The_device_holds_one_expert_and_the_host_both()
    {
        using var resident = rig.LoadResident();
        using var swapped = rig.LoadSwapped();
        var oneExpert = swapped.First.Weights.Tensors.Sum(t => t.NumberOfElements * t.ElementSize);

        Assert.Equal(2 * oneExpert, swapped.HostBytes);
        Assert.False(swapped.Overlapped);
    }
}
