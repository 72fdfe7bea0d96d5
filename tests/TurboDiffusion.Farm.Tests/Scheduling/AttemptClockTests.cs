using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Farm.Scheduling;

namespace TurboDiffusion.Farm.Tests.Scheduling;

public sealed class AttemptClockTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);
    private static readonly JobSpec Spec = new("p", "tiny", JobResolution.P480, JobAspect.Landscape16x9, 81, 4, 1, JobPriority.Normal, "a");

    private static JobProgress At(JobStage stage, int done, int total, double elapsed) => new(stage, done, total, TimeSpan.FromSeconds(elapsed));

    [Fact]
    public void An_attempt_costs_its_run_less_its_model_load_which_it_reports_apart_with_its_steps_on_the_engines_clock_and_its_tail_after_the_sampler()
    {
        var clock = new AttemptClock();

        clock.Observe(At(JobStage.LoadingModel, 0, 1, 0), T0.AddSeconds(1));
        clock.Observe(At(JobStage.EncodingText, 1, 1, 3), T0.AddSeconds(11));
        clock.Observe(At(JobStage.Denoising, 1, 4, 5), T0.AddSeconds(13));
        clock.Observe(At(JobStage.Denoising, 3, 4, 9), T0.AddSeconds(17));
        clock.Observe(At(JobStage.Writing, 0, 1, 11.5), T0.AddSeconds(19.5));
        var sample = clock.Sample(Spec, T0, T0.AddSeconds(22));

        Assert.Equal((12.0, 2.5, 10.0), (sample.RunSeconds, sample.TailSeconds, sample.LoadSeconds));
        Assert.Equal((11.5 - 5) / 3, sample.StepSeconds!.Value, 9);
    }

    [Fact]
    public void An_attempt_whose_progress_went_unseen_reports_only_its_run_time()
    {
        var sample = new AttemptClock().Sample(Spec, T0, T0.AddSeconds(8));

        Assert.Equal(new CostSample("tiny", JobResolution.P480, 81, 4, 8, null, null), sample);
    }
}
