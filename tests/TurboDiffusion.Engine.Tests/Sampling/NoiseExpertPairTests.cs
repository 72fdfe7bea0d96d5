using System.Globalization;
using TurboDiffusion.Engine.Runtime;
using TurboDiffusion.Engine.Sampling;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Sampling;

public sealed class NoiseExpertPairTests
{
    [Theory]
    [MemberData(nameof(RcmSamplerFixture.ScheduleNames), MemberType = typeof(RcmSamplerFixture))]
    public void Switch_step_is_the_reference_expert_switch_step(string name)
    {
        var schedule = RcmSamplerFixture.Schedule(name);
        var switches = RcmSamplerFixture.Section("schedules").GetProperty(name).GetProperty("expert_switch_step");

        foreach (var boundary in switches.EnumerateObject())
        {
            var pair = Pair(schedule, double.Parse(boundary.Name, CultureInfo.InvariantCulture));
            Assert.Equal(boundary.Value.GetInt32(), pair.SwitchStep);
        }
    }

    [Theory]
    [MemberData(nameof(RcmSamplerFixture.TrajectoryNames), MemberType = typeof(RcmSamplerFixture))]
    public void Expert_at_each_step_is_the_reference_expert(string name)
    {
        var run = RcmSamplerFixture.Run(name);
        var experts = RcmSamplerFixture.Section("trajectories").GetProperty(name).GetProperty("experts");
        if (!run.UsesExperts)
        {
            Assert.All(experts.EnumerateArray(), expert => Assert.Equal((int)NoiseExpert.HighNoise, expert.GetInt32()));
            return;
        }

        var pair = Pair(run.Schedule, Assert.Single(RcmSamplerFixture.Boundaries()));

        Assert.Equal(experts.EnumerateArray().Select(e => (NoiseExpert)e.GetInt32()), Enumerable.Range(0, run.Schedule.Steps).Select(pair.ExpertAt));
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void Boundary_outside_zero_to_one_is_rejected(double boundary)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Pair(RcmSchedule.ImageToVideo(), boundary));

        Assert.Equal("boundary", error.ParamName);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(4)]
    public void Steps_outside_the_schedule_have_no_expert(int step)
    {
        var pair = Pair(RcmSchedule.ImageToVideo(), NoiseExpertPair.DefaultBoundary);

        Assert.Throws<ArgumentOutOfRangeException>(() => pair.ExpertAt(step));
    }

    private static NoiseExpertPair Pair(RcmSchedule schedule, double boundary)
    {
        TorchRuntime.EnsureLoaded();
        var unused = new DelegateVelocity((x, _, _) => zeros_like(x));
        return new NoiseExpertPair(unused, unused, schedule, boundary);
    }
}
