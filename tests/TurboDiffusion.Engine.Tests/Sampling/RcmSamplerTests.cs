using TorchSharp;
using TurboDiffusion.Engine.Runtime;
using TurboDiffusion.Engine.Sampling;
using TurboDiffusion.Engine.Tests.Fixtures;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Sampling;

public sealed class RcmSamplerTests
{
    private static readonly long[] BatchOfTwo = [2, 16, 2, 4, 4];

    public RcmSamplerTests() => TorchRuntime.EnsureLoaded();

    [Theory]
    [MemberData(nameof(RcmSamplerFixture.TrajectoriesWithEachNoise), MemberType = typeof(RcmSamplerFixture))]
    public void State_after_every_step_matches_the_reference_trajectory_within_fixture_tolerance(string name, FixtureNoise source)
    {
        using var scope = NewDisposeScope();
        var tolerance = RcmSamplerFixture.Open().Tolerance(RcmSamplerFixture.Float64ToleranceKey, "trajectories");
        var run = RcmSamplerFixture.Run(name);
        var (network, _) = ToyNetwork(run);
        using var recorder = new RecordingNetwork(network);
        using var noise = new FixtureNoiseSource(source);

        var result = new RcmSampler(run.Schedule, run.Solver).Sample(recorder, noise, RcmSamplerFixture.LatentShape(), cancellationToken: TestContext.Current.CancellationToken);

        var expected = RcmSamplerFixture.Load($"{name}_x_steps");
        var states = recorder.States.Skip(1).Append(result).ToList();
        var worst = 0.0;
        for (var step = 0; step < run.Schedule.Steps; step++)
        {
            worst = Math.Max(worst, TensorAssert.Close(states[step], expected[step], tolerance, $"{name} x after step {step}").MaxAbs);
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"{name} ({source} noise): x_steps max_abs {worst:E3}");
    }

    [Theory]
    [MemberData(nameof(RcmSamplerFixture.TrajectoryNames), MemberType = typeof(RcmSamplerFixture))]
    public void Each_step_runs_the_reference_expert_timestep_and_noise_draws(string name)
    {
        using var scope = NewDisposeScope();
        var reference = RcmSamplerFixture.Section("trajectories").GetProperty(name);
        var run = RcmSamplerFixture.Run(name);
        var (network, experts) = ToyNetwork(run);
        using var recorder = new RecordingNetwork(network);
        using var noise = RcmSamplerFixture.RecordedNoise();

        new RcmSampler(run.Schedule, run.Solver).Sample(recorder, noise, RcmSamplerFixture.LatentShape(), cancellationToken: TestContext.Current.CancellationToken);

        var served = Enumerable.Range(0, run.Schedule.Steps).Select(step => experts.Select((expert, index) => (expert, index)).Single(e => e.expert.Steps.Contains(step)).index);
        Assert.Equal(reference.GetProperty("experts").EnumerateArray().Select(e => e.GetInt32()), served);
        Assert.Equal(run.Schedule.Steps, experts.Sum(e => e.Steps.Count));
        Assert.Equal(reference.GetProperty("timesteps_bf16").EnumerateArray().Select(t => t.GetSingle()), recorder.Timesteps.Select(t => t.to(ScalarType.Float32).item<float>()));
        Assert.Equal(run.Solver == RcmSolver.Sde ? run.Schedule.Steps + 1 : 1, noise.Draws);
    }

    [Fact]
    public void Network_receives_the_float64_state_and_a_batch_by_one_bf16_timestep()
    {
        using var scope = NewDisposeScope();
        var schedule = RcmSchedule.TextToVideo();
        using var recorder = new RecordingNetwork(new DelegateVelocity((x, _, _) => zeros_like(x, ScalarType.BFloat16)));
        using var noise = new SeededNoiseSource(1);

        var result = new RcmSampler(schedule).Sample(recorder, noise, BatchOfTwo, cancellationToken: TestContext.Current.CancellationToken);

        Assert.All(recorder.States, state => Assert.Equal(ScalarType.Float64, state.dtype));
        Assert.All(recorder.States, state => Assert.Equal(BatchOfTwo, state.shape));
        Assert.All(recorder.Timesteps, timestep => Assert.Equal(ScalarType.BFloat16, timestep.dtype));
        Assert.All(recorder.Timesteps, timestep => Assert.Equal([2L, 1L], timestep.shape));
        Assert.Equal(schedule.Timesteps.SelectMany(t => new[] { t, t }), recorder.Timesteps.SelectMany(t => t.to(ScalarType.Float32).data<float>().ToArray()));
        Assert.Equal(ScalarType.Float64, result.dtype);
    }

    [Fact]
    public void Cancelling_from_the_progress_callback_stops_before_the_next_network_call()
    {
        using var scope = NewDisposeScope();
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var network = new DelegateVelocity((x, _, _) => zeros_like(x));
        var progress = new InlineProgress<StepProgress>(report =>
        {
            if (report.Step == 1)
            {
                cancellation.Cancel();
            }
        });
        using var noise = new SeededNoiseSource(1);

        Assert.Throws<OperationCanceledException>(() => new RcmSampler(RcmSchedule.TextToVideo()).Sample(network, noise, BatchOfTwo, progress, cancellation.Token));

        Assert.Equal(2, network.Calls);
    }

    [Fact]
    public void An_already_cancelled_token_calls_no_network()
    {
        using var scope = NewDisposeScope();
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var network = new DelegateVelocity((x, _, _) => zeros_like(x));
        using var noise = new SeededNoiseSource(1);
        cancellation.Cancel();

        Assert.Throws<OperationCanceledException>(() => new RcmSampler(RcmSchedule.TextToVideo()).Sample(network, noise, BatchOfTwo, cancellationToken: cancellation.Token));

        Assert.Equal(0, network.Calls);
    }

    [Fact]
    public void Progress_reports_every_step_with_its_time_and_the_elapsed_clock()
    {
        using var scope = NewDisposeScope();
        var schedule = RcmSchedule.ImageToVideo(3);
        var clock = new ManualClock();
        var network = new DelegateVelocity((x, _, _) =>
        {
            clock.Advance(TimeSpan.FromSeconds(2));
            return zeros_like(x);
        });
        var reports = new List<StepProgress>();
        using var noise = new SeededNoiseSource(1);

        new RcmSampler(schedule, clock: clock).Sample(network, noise, BatchOfTwo, new InlineProgress<StepProgress>(reports.Add), TestContext.Current.CancellationToken);

        Assert.Equal(
            Enumerable.Range(0, schedule.Steps).Select(step => new StepProgress(step, schedule.Steps, schedule.Times[step], TimeSpan.FromSeconds(2 * (step + 1)))),
            reports);
    }

    [Theory]
    [InlineData(RcmSolver.Sde)]
    [InlineData(RcmSolver.Ode)]
    public void Sampling_leaves_no_tensor_alive_but_the_result(RcmSolver solver)
    {
        var schedule = RcmSchedule.TextToVideo();
        var network = ToyVelocity.Experts(ToyInputs.NetworkInputs, schedule)[0];
        using var noise = new SeededNoiseSource(1);
        var statistics = DisposeScopeManager.Statistics.TensorStatistics;
        var before = statistics.ThreadTotalLiveCount;

        using (var result = new RcmSampler(schedule, solver).Sample(network, noise, BatchOfTwo, cancellationToken: TestContext.Current.CancellationToken))
        {
            Assert.Equal(before + 1, statistics.ThreadTotalLiveCount);
        }

        Assert.Equal(before, statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void A_velocity_shaped_unlike_the_state_is_reported_with_both_shapes()
    {
        using var scope = NewDisposeScope();
        var network = new DelegateVelocity((x, _, _) => zeros(1, 16));
        using var noise = new SeededNoiseSource(1);

        var error = Assert.Throws<InvalidOperationException>(() => new RcmSampler(RcmSchedule.TextToVideo()).Sample(network, noise, BatchOfTwo, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains("[1, 16]", error.Message, StringComparison.Ordinal);
        Assert.Contains("[2, 16, 2, 4, 4]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Noise_that_is_not_float32_is_refused()
    {
        using var scope = NewDisposeScope();
        var network = new DelegateVelocity((x, _, _) => zeros_like(x));
        var noise = new DoublePrecisionNoise();

        var error = Assert.Throws<InvalidOperationException>(() => new RcmSampler(RcmSchedule.TextToVideo()).Sample(network, noise, BatchOfTwo, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains("Float32", error.Message, StringComparison.Ordinal);
    }

    /// <summary>T2V runs the first toy network; I2V one per expert, switched at the fixture's boundaries.</summary>
    private static (IVelocityNetwork Network, IReadOnlyList<ToyVelocity> Experts) ToyNetwork(Trajectory run)
    {
        var boundaries = RcmSamplerFixture.Settings().Boundaries;
        var toys = ToyVelocity.Experts(run.Inputs, run.Schedule);
        if (!run.UsesExperts)
        {
            return (toys[0], toys.Take(1).ToList());
        }

        var experts = toys.Take(boundaries.Count + 1).ToList();
        Assert.True(experts.Count == boundaries.Count + 1, $"{boundaries.Count} boundaries need {boundaries.Count + 1} toy experts; the notes give {toys.Count}");
        return (new NoiseExperts([.. experts], run.Schedule, boundaries), experts);
    }

    private sealed class DoublePrecisionNoise : INoiseSource
    {
        public Tensor Draw(long[] shape) => randn(shape, ScalarType.Float64);
    }
}
