using System.Globalization;
using TurboDiffusion.Engine.Sampling;
using TurboDiffusion.Engine.Tests.Fixtures;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Sampling;

public sealed class RcmScheduleTests
{
    [Theory]
    [MemberData(nameof(RcmSamplerFixture.ScheduleNames), MemberType = typeof(RcmSamplerFixture))]
    public void Times_match_the_reference_schedule_within_fixture_tolerance(string name)
    {
        var fixture = RcmSamplerFixture.Open();
        var tolerance = fixture.Tolerance(RcmSamplerFixture.Float64ToleranceKey, "schedule");
        var reference = RcmSamplerFixture.Section("schedules").GetProperty(name);
        var schedule = RcmSamplerFixture.Schedule(name);

        using var times = tensor(schedule.Times.ToArray(), ScalarType.Float64);
        using var expectedTimes = RcmSamplerFixture.Load($"{name}_t_rf");
        using var trigTimes = tensor(schedule.TrigFlowTimes.ToArray(), ScalarType.Float64);
        using var expectedTrigTimes = tensor(reference.GetProperty("t_trig").EnumerateArray().Select(t => t.GetDouble()).ToArray(), ScalarType.Float64);

        var rf = TensorAssert.Close(times, expectedTimes, tolerance, $"{name} t_rf");
        var trig = TensorAssert.Close(trigTimes, expectedTrigTimes, tolerance, $"{name} t_trig");
        TestContext.Current.TestOutputHelper?.WriteLine($"{name}: t_rf max_abs {rf.MaxAbs:E3}, t_trig max_abs {trig.MaxAbs:E3}");
    }

    [Theory]
    [MemberData(nameof(RcmSamplerFixture.ScheduleNames), MemberType = typeof(RcmSamplerFixture))]
    public void Network_timesteps_are_the_reference_bf16_values(string name)
    {
        var exact = RcmSamplerFixture.Open().Tolerance(RcmSamplerFixture.ExactToleranceKey);
        var schedule = RcmSamplerFixture.Schedule(name);

        using var timesteps = tensor(schedule.Timesteps.ToArray(), ScalarType.Float32);
        using var expected = RcmSamplerFixture.Load($"{name}_timesteps_bf16");

        TensorAssert.Close(timesteps, expected, exact, $"{name} timesteps_bf16");
        using var asBf16 = timesteps.to(ScalarType.BFloat16).to(ScalarType.Float32);
        Assert.True(asBf16.equal(timesteps).all().item<bool>(), $"{name}: timesteps are not bf16-representable");
    }

    [Theory]
    [MemberData(nameof(RcmSamplerFixture.ScheduleNames), MemberType = typeof(RcmSamplerFixture))]
    public void First_step_below_each_boundary_is_the_reference_expert_switch_step(string name)
    {
        var schedule = RcmSamplerFixture.Schedule(name);
        var switches = RcmSamplerFixture.Section("schedules").GetProperty(name).GetProperty("expert_switch_step");

        foreach (var boundary in switches.EnumerateObject())
        {
            Assert.Equal(boundary.Value.GetInt32(), schedule.FirstStepBelow(double.Parse(boundary.Name, CultureInfo.InvariantCulture)));
        }
    }

    [Fact]
    public void Default_schedules_feed_the_documented_timesteps()
    {
        var textToVideo = RcmSchedule.TextToVideo();
        var imageToVideo = RcmSchedule.ImageToVideo();

        Assert.Equal(RcmSchedule.DefaultSteps, textToVideo.Steps);
        Assert.Equal([988f, 932f, 852f, 608f], textToVideo.Timesteps);
        Assert.Equal([996f, 932f, 852f, 608f], imageToVideo.Timesteps);
        Assert.Equal(0.0, textToVideo.Times[^1]);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(-1)]
    public void Steps_outside_one_to_four_are_rejected_naming_the_range(int steps)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => RcmSchedule.Create(steps));

        Assert.Equal("steps", error.ParamName);
        Assert.Contains($"{RcmSchedule.MinSteps} to {RcmSchedule.MaxSteps}", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-80.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Sigma_max_must_be_positive_and_finite(double sigmaMax)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => RcmSchedule.Create(RcmSchedule.DefaultSteps, sigmaMax));

        Assert.Equal("sigmaMax", error.ParamName);
    }

    [Fact]
    public void Sigma_max_too_small_for_a_falling_schedule_is_rejected_unless_there_is_one_step()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => RcmSchedule.Create(2, 10));
        var oneStep = RcmSchedule.Create(1, 10);

        Assert.Contains("tan(1.5)", error.Message, StringComparison.Ordinal);
        Assert.True(oneStep.Times[0] > oneStep.Times[1]);
    }

    [Fact]
    public void Schedules_with_equal_settings_are_equal()
    {
        Assert.Equal(RcmSchedule.Create(3, 200), RcmSchedule.ImageToVideo(3));
        Assert.NotEqual(RcmSchedule.Create(3, 200), RcmSchedule.Create(4, 200));
        Assert.NotEqual(RcmSchedule.Create(3, 200), RcmSchedule.Create(3, 80));
    }
}
