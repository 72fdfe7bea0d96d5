using TurboDiffusion.Engine.Runtime;
using TurboDiffusion.Engine.Sampling;
using TurboDiffusion.Engine.Tests.Fixtures;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Sampling;

public sealed class SeededNoiseSourceTests
{
    private static readonly long[] Shape = [1, 4, 2, 4, 4];

    public SeededNoiseSourceTests() => TorchRuntime.EnsureLoaded();

    [Fact]
    public void Same_seed_draws_the_same_sequence()
    {
        using var scope = NewDisposeScope();
        using var first = new SeededNoiseSource(31);
        using var second = new SeededNoiseSource(31);

        var a = Enumerable.Range(0, 3).Select(_ => first.Draw(Shape)).ToList();
        var b = Enumerable.Range(0, 3).Select(_ => second.Draw(Shape)).ToList();

        Assert.All(a.Zip(b), pair => Assert.True(pair.First.equal(pair.Second).all().item<bool>()));
        Assert.False(a[0].equal(a[1]).all().item<bool>(), "successive draws must advance the generator");
        Assert.Equal(ScalarType.Float32, a[0].dtype);
        Assert.Equal(Shape, a[0].shape);
    }

    [Fact]
    public void A_restored_state_repeats_the_draws_that_followed_it_in_another_source()
    {
        using var scope = NewDisposeScope();
        using var original = new SeededNoiseSource(31);
        original.Draw(Shape);
        var state = original.SaveState();
        var next = Enumerable.Range(0, 2).Select(_ => original.Draw(Shape)).ToList();
        using var other = new SeededNoiseSource(99);

        other.RestoreState(state);

        Assert.All(next, expected => Assert.True(expected.equal(other.Draw(Shape)).all().item<bool>()));
    }

    [Fact]
    public void A_state_of_the_wrong_size_is_refused_naming_both_sizes()
    {
        using var source = new SeededNoiseSource(31);
        var size = source.SaveState().Length;

        var error = Assert.Throws<ArgumentException>(() => source.RestoreState(new byte[size - 8]));

        Assert.Contains($"{size} bytes, got {size - 8}", error.Message);
    }

    [Fact]
    public void Cpu_generator_with_the_fixture_seed_replays_the_recorded_noise_draw_for_draw()
    {
        using var recorded = RcmSamplerFixture.RecordedNoise();
        using var scope = NewDisposeScope();
        using var seeded = new SeededNoiseSource(RcmSamplerFixture.Seed());
        var shape = RcmSamplerFixture.LatentShape();
        var exact = RcmSamplerFixture.Open().Tolerance(RcmSamplerFixture.ExactToleranceKey);

        for (var draw = 0; draw < RcmSamplerFixture.RecordedDraws(); draw++)
        {
            TensorAssert.Close(seeded.Draw(shape), recorded.Draw(shape), exact, $"draw {draw}");
        }
    }

    [Fact]
    public void Different_seeds_draw_different_noise()
    {
        using var scope = NewDisposeScope();
        using var first = new SeededNoiseSource(31);
        using var second = new SeededNoiseSource(32);

        var a = first.Draw(Shape);
        var b = second.Draw(Shape);

        Assert.False(a.equal(b).all().item<bool>());
    }

    [Fact]
    public void Sampling_with_the_same_seed_is_reproducible_and_a_different_seed_is_not()
    {
        using var scope = NewDisposeScope();
        var schedule = RcmSchedule.TextToVideo();
        var sampler = new RcmSampler(schedule);
        var network = ToyVelocity.Experts(ToyInputs.NetworkInputs, schedule)[0];

        var once = Sample(sampler, network, 31);
        var again = Sample(sampler, network, 31);
        var other = Sample(sampler, network, 32);

        Assert.True(once.equal(again).all().item<bool>());
        Assert.False(once.equal(other).all().item<bool>());
    }

    private static Tensor Sample(RcmSampler sampler, IVelocityNetwork network, ulong seed)
    {
        using var noise = new SeededNoiseSource(seed);
        return sampler.Sample(network, noise, Shape, cancellationToken: TestContext.Current.CancellationToken);
    }
}
