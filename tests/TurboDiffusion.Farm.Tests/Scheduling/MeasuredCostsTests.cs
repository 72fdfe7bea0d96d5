using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Farm.Options;
using TurboDiffusion.Farm.Scheduling;

namespace TurboDiffusion.Farm.Tests.Scheduling;

public sealed class MeasuredCostsTests
{
    private static readonly JobCostEstimate Configured = new(new JobCostOptions { StepSeconds = new() { ["tiny"] = 1.0 }, OverheadSeconds = 2 });

    private static QueueTicket Ticket(string model = "tiny", int frames = 81, int steps = 4) =>
        new("j", "a", model, JobPriority.Normal, default, default, JobResolution.P480, Frames: frames, Steps: steps);

    private static CostSample Sample(double run, double? step = null, double? tail = null, int frames = 81) =>
        new("tiny", JobResolution.P480, frames, 4, run, step, tail);

    [Fact]
    public void Until_a_model_is_measured_its_jobs_cost_what_turbo_cost_configures()
    {
        var costs = new MeasuredCosts(Configured);

        Assert.Equal(new CostFigures(6, 1, 2, CostSource.Configured), costs.Of(Ticket()));
    }

    [Fact]
    public void A_measured_size_costs_its_moving_average_and_other_sizes_of_its_model_scale_the_estimate_by_it()
    {
        var costs = new MeasuredCosts(Configured);

        costs.Record(Sample(3, step: 0.5, tail: 1));
        costs.Record(Sample(4, step: 0.6, tail: 1.5));
        var measured = costs.Of(Ticket());
        var otherSize = costs.Of(Ticket(frames: 41));

        Assert.Equal(CostSource.Measured, measured.Source);
        Assert.Equal(3 + (0.3 * (4 - 3)), measured.Seconds, 9);
        Assert.Equal(0.5 + (0.3 * 0.1), measured.StepSeconds, 9);
        Assert.Equal(1 + (0.3 * 0.5), measured.TailSeconds, 9);
        var ratio = 0.5 + (0.3 * ((4.0 / 6) - 0.5));
        var estimate = Configured.Figures(Ticket(frames: 41));
        Assert.Equal(CostSource.Model, otherSize.Source);
        Assert.Equal(estimate.Seconds * ratio, otherSize.Seconds, 9);
        Assert.Equal(CostSource.Configured, costs.Of(Ticket(model: "wan-14b")).Source);
    }

    [Fact]
    public void A_sample_without_steps_splits_its_run_time_as_the_estimate_does_and_a_bad_run_time_is_ignored()
    {
        var costs = new MeasuredCosts(Configured);

        costs.Record(Sample(3));
        costs.Record(Sample(-1));
        costs.Record(Sample(double.NaN));

        Assert.Equal(new CostFigures(3, 0.5, 1, CostSource.Measured), costs.Of(Ticket()));
        Assert.Equal(1, costs.Version);
    }
}
