using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Farm.Scheduling;

namespace TurboDiffusion.Farm.Tests.Scheduling;

public sealed class RunningEstimateTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);
    private static readonly CostFigures Expected = new(20, 4, 3, CostSource.Measured);

    private static JobProgressEvent Event(JobStage stage, int done, int total, double elapsed, double at) =>
        new("0", stage, done, total, TimeSpan.FromSeconds(elapsed), T0.AddSeconds(at));

    [Fact]
    public void In_the_sampler_the_finish_follows_the_jobs_own_measured_steps_not_the_pools()
    {
        JobProgressEvent[] events = [Event(JobStage.EncodingText, 1, 1, 2, 2), Event(JobStage.Denoising, 1, 4, 4, 4), Event(JobStage.Denoising, 2, 4, 6, 6)];

        var (finish, step) = RunningEstimate.Of(T0, 4, events, Expected, T0.AddSeconds(6.5));

        Assert.Equal(2, step);
        Assert.Equal(T0.AddSeconds(6 + (2 * 2) + 3), finish);
    }

    [Fact]
    public void After_one_step_the_step_counts_from_the_end_of_encoding()
    {
        JobProgressEvent[] events = [Event(JobStage.EncodingText, 1, 1, 2, 2), Event(JobStage.Denoising, 1, 4, 5, 5)];

        var (finish, step) = RunningEstimate.Of(T0, 4, events, Expected, T0.AddSeconds(5));

        Assert.Equal(3, step);
        Assert.Equal(T0.AddSeconds(5 + (3 * 3) + 3), finish);
    }

    [Fact]
    public void Past_the_sampler_only_the_tail_is_left_and_before_it_the_pools_expectation_counts()
    {
        JobProgressEvent[] done = [Event(JobStage.Denoising, 1, 2, 4, 4), Event(JobStage.Denoising, 2, 2, 6, 6), Event(JobStage.Decoding, 0, 3, 6, 6.1)];
        JobProgressEvent[] loading = [Event(JobStage.LoadingModel, 0, 1, 0, 1)];
        JobProgressEvent[] earlierAttempt = [Event(JobStage.Denoising, 3, 4, 9, -30)];

        Assert.Equal(T0.AddSeconds(9.1), RunningEstimate.Of(T0, 2, done, Expected, T0.AddSeconds(7)).FinishAt);
        Assert.Equal(T0.AddSeconds(20), RunningEstimate.Of(T0, 4, loading, Expected, T0.AddSeconds(1)).FinishAt);
        Assert.Equal(T0.AddSeconds(10 + 16 + 3), RunningEstimate.Of(T0, 4, loading, Expected, T0.AddSeconds(10)).FinishAt);
        Assert.Equal((T0.AddSeconds(20), (double?)null), RunningEstimate.Of(T0, 4, earlierAttempt, Expected, T0));
        Assert.Equal(T0.AddSeconds(30), RunningEstimate.Of(T0, 2, done, Expected, T0.AddSeconds(30)).FinishAt);
    }
}
