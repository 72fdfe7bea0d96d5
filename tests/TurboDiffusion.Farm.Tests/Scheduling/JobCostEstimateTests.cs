using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Farm.Options;
using TurboDiffusion.Farm.Scheduling;

namespace TurboDiffusion.Farm.Tests.Scheduling;

/// <summary>The documented formula, on the reference clip and off it.</summary>
public sealed class JobCostEstimateTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

    private static QueueTicket Ticket(string model, JobResolution resolution, int frames = 81, int steps = 4, JobAspect aspect = JobAspect.Landscape16x9) =>
        new("j", "a", model, JobPriority.Normal, T0, T0, resolution, aspect, frames, steps);

    [Fact]
    public void The_reference_clip_costs_its_steps_at_the_configured_step_time_plus_the_overhead()
    {
        var estimate = new JobCostEstimate(new JobCostOptions());

        Assert.Equal((4 * 3.64) + 5, estimate.GpuSeconds(Ticket("random-14B", JobResolution.P480)), 9);
        Assert.Equal((2 * 0.72) + 5, estimate.GpuSeconds(Ticket("RANDOM-1.3b", JobResolution.P480, steps: 2)), 9);
    }

    [Fact]
    public void Seven_twenty_p_grows_the_sampler_by_the_token_ratio_to_the_power_one_and_a_half_and_the_overhead_linearly()
    {
        var estimate = new JobCostEstimate(new JobCostOptions());
        var ratio = 75_600 / 32_760.0;

        var seconds = estimate.GpuSeconds(Ticket("random-14B", JobResolution.P720));

        Assert.Equal((4 * 3.64 * Math.Pow(ratio, 1.5)) + (5 * ratio), seconds, 9);
        Assert.InRange(4 * 3.64 * Math.Pow(ratio, 1.5), 0.97 * 51.87, 1.03 * 51.87);
    }

    [Fact]
    public void An_unlisted_model_is_priced_at_the_unlisted_step_time()
    {
        var estimate = new JobCostEstimate(new JobCostOptions { UnlistedStepSeconds = 2, OverheadSeconds = 0 });

        Assert.Equal(2 * 2 * Math.Pow(2 * 40 * 40 / 32_760.0, 1.5), estimate.GpuSeconds(Ticket("my-model", JobResolution.P480, frames: 5, steps: 2, aspect: JobAspect.Square1x1)), 9);
    }
}
