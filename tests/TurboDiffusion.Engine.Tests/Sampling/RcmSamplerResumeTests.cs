using TurboDiffusion.Engine.Runtime;
using TurboDiffusion.Engine.Sampling;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Sampling;

/// <summary>Going on from the state handed out after a step, with the generator restored, repeats the uninterrupted run bit for bit.</summary>
public sealed class RcmSamplerResumeTests
{
    private static readonly long[] Shape = [1, 16, 2, 4, 4];

    public RcmSamplerResumeTests() => TorchRuntime.EnsureLoaded();

    [Theory]
    [InlineData(RcmSolver.Sde, 1)]
    [InlineData(RcmSolver.Sde, 2)]
    [InlineData(RcmSolver.Sde, 3)]
    [InlineData(RcmSolver.Sde, 4)]
    [InlineData(RcmSolver.Ode, 2)]
    public void Resuming_after_any_step_ends_in_the_same_bits_as_the_uninterrupted_run(RcmSolver solver, int resumeAfter)
    {
        using var scope = NewDisposeScope();
        var schedule = RcmSchedule.TextToVideo();
        var network = ToyVelocity.Experts(ToyInputs.NetworkInputs, schedule)[0];
        var saved = new List<(int StepsDone, double[] State, byte[] Noise)>();
        using var first = new SeededNoiseSource(7);
        var uninterrupted = new RcmSampler(schedule, solver).Sample(
            network, first, Shape, null, step => saved.Add((step.StepsDone, step.State.data<double>().ToArray(), step.NoiseState)), cancellationToken: TestContext.Current.CancellationToken);
        var (done, state, noiseState) = saved.Single(s => s.StepsDone == resumeAfter);
        using var second = new SeededNoiseSource(12345);
        var laterSteps = new List<int>();

        var resumed = new RcmSampler(schedule, solver).Sample(
            network, second, Shape, new SamplerStep(done, tensor(state, Shape), noiseState), step => laterSteps.Add(step.StepsDone), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(uninterrupted.data<double>().ToArray(), resumed.data<double>().ToArray());
        Assert.Equal(Enumerable.Range(resumeAfter + 1, schedule.Steps - resumeAfter), laterSteps);
        Assert.Equal(Enumerable.Range(1, schedule.Steps), saved.Select(s => s.StepsDone));
    }

    [Fact]
    public void A_resume_state_of_another_shape_or_step_count_is_refused_naming_both()
    {
        using var scope = NewDisposeScope();
        var schedule = RcmSchedule.TextToVideo(2);
        var network = new DelegateVelocity((x, _, _) => zeros_like(x));
        using var noise = new SeededNoiseSource(1);
        var state = zeros([1, 16, 2, 4, 8], ScalarType.Float64);

        var shape = Assert.Throws<ArgumentException>(() => new RcmSampler(schedule).Sample(network, noise, Shape, new SamplerStep(1, state, noise.SaveState()), _ => { }, cancellationToken: TestContext.Current.CancellationToken));
        var steps = Assert.Throws<ArgumentException>(() => new RcmSampler(schedule).Sample(network, noise, Shape, new SamplerStep(3, zeros(Shape, ScalarType.Float64), noise.SaveState()), _ => { }, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains("[1, 16, 2, 4, 8]", shape.Message);
        Assert.Contains("[1, 16, 2, 4, 4]", shape.Message);
        Assert.Contains("1 to 2 steps done", steps.Message);
        Assert.Equal(0, network.Calls);
    }
}
