using System.Globalization;
using TurboDiffusion.Engine.Runtime;
using TurboDiffusion.Engine.Sampling;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Sampling;

public sealed class NoiseExpertsTests
{
    [Theory]
    [MemberData(nameof(RcmSamplerFixture.ScheduleNames), MemberType = typeof(RcmSamplerFixture))]
    public void Switch_step_is_the_reference_expert_switch_step(string name)
    {
        var schedule = RcmSamplerFixture.Schedule(name);
        var switches = RcmSamplerFixture.Section("schedules").GetProperty(name).GetProperty("expert_switch_step");

        foreach (var boundary in switches.EnumerateObject())
        {
            var experts = Experts(schedule, [double.Parse(boundary.Name, CultureInfo.InvariantCulture)]);
            Assert.Equal(boundary.Value.GetInt32(), Assert.Single(experts.SwitchSteps));
        }
    }

    [Theory]
    [MemberData(nameof(RcmSamplerFixture.TrajectoryNames), MemberType = typeof(RcmSamplerFixture))]
    public void Expert_at_each_step_is_the_reference_expert(string name)
    {
        var run = RcmSamplerFixture.Run(name);
        var reference = RcmSamplerFixture.Section("trajectories").GetProperty(name).GetProperty("experts").EnumerateArray().Select(e => e.GetInt32());
        if (!run.UsesExperts)
        {
            Assert.All(reference, expert => Assert.Equal(0, expert));
            return;
        }

        var experts = Experts(run.Schedule, RcmSamplerFixture.Settings().Boundaries);

        Assert.Equal(reference, Enumerable.Range(0, run.Schedule.Steps).Select(experts.ExpertAt));
    }

    [Fact]
    public void Several_boundaries_hand_over_in_turn_and_a_boundary_no_step_passes_hands_over_never()
    {
        var schedule = RcmSchedule.ImageToVideo();

        var experts = Experts(schedule, [schedule.Times[1], schedule.Times[2], 0]);

        Assert.Equal([2, 3, -1], experts.SwitchSteps);
        Assert.Equal([0, 0, 1, 2], Enumerable.Range(0, schedule.Steps).Select(experts.ExpertAt));
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void Boundary_outside_zero_to_one_is_rejected(double boundary)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Experts(RcmSchedule.ImageToVideo(), [boundary]));

        Assert.Equal("boundaries", error.ParamName);
    }

    [Fact]
    public void Boundaries_that_do_not_fall_are_rejected()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Experts(RcmSchedule.ImageToVideo(), [0.5, 0.9]));

        Assert.Equal("boundaries", error.ParamName);
        Assert.Contains("strictly falling", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Each_boundary_needs_one_more_expert()
    {
        TorchRuntime.EnsureLoaded();
        var unused = new DelegateVelocity((x, _, _) => zeros_like(x));

        var error = Assert.Throws<ArgumentException>(() => new NoiseExperts([unused, unused], RcmSchedule.ImageToVideo(), [0.9, 0.5]));

        Assert.Equal("experts", error.ParamName);
        Assert.Contains("2 boundaries separate 3 experts; got 2 networks", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(RcmSchedule.DefaultSteps)]
    public void Steps_outside_the_schedule_have_no_expert(int step)
    {
        var experts = Experts(RcmSchedule.ImageToVideo(), NoiseExperts.DefaultBoundaries);

        Assert.Throws<ArgumentOutOfRangeException>(() => experts.ExpertAt(step));
    }

    private static NoiseExperts Experts(RcmSchedule schedule, IReadOnlyList<double> boundaries)
    {
        TorchRuntime.EnsureLoaded();
        var unused = new DelegateVelocity((x, _, _) => zeros_like(x));
        return new NoiseExperts([.. Enumerable.Repeat<IVelocityNetwork>(unused, boundaries.Count + 1)], schedule, boundaries);
    }
}
