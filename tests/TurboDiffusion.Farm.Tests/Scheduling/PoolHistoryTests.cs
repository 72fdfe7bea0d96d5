using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Farm.Scheduling;

namespace TurboDiffusion.Farm.Tests.Scheduling;

public sealed class PoolHistoryTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Each_minute_keeps_its_deepest_queue_and_its_finished_jobs_and_the_hour_before_drops_out()
    {
        var history = new PoolHistory();

        history.Observe(5, T0.AddSeconds(1));
        history.Observe(9, T0.AddSeconds(20));
        history.Observe(2, T0.AddSeconds(59));
        history.Finished(T0.AddSeconds(30));
        history.Finished(T0.AddSeconds(61));
        var first = history.LastHour(T0.AddSeconds(90));
        var anHourLater = history.LastHour(T0.AddMinutes(60).AddSeconds(30));

        Assert.Equal([new PoolMinute(T0, 9, 1), new PoolMinute(T0.AddMinutes(1), 0, 1)], first);
        Assert.Equal([new PoolMinute(T0.AddMinutes(1), 0, 1), new PoolMinute(T0.AddMinutes(60), 0, 0)], anHourLater);
    }
}
