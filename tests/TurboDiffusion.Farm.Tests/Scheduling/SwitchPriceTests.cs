using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Farm.Options;
using TurboDiffusion.Farm.Scheduling;

namespace TurboDiffusion.Farm.Tests.Scheduling;

/// <summary>The priced switch rule as the lease path applies it (<see cref="PoolQueue"/> with <see cref="SwitchRule.Priced"/>).</summary>
public sealed class SwitchPriceTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
    private static readonly SchedulerOptions Priced = new() { SwitchRule = SwitchRule.Priced, SwitchCostWeight = 2, WarmShareSlack = 1 };

    private static LeaseRequest Worker(string id, string loaded) => new(id, "silo", [loaded], 80L << 30);

    /// <param name="seconds">Configured GPU-seconds: what the ticket adds to its model's queued work.</param>
    private static QueueTicket Ticket(string id, string model, double ageSeconds, string tenant = "a", double seconds = 100, JobPriority priority = JobPriority.Normal) =>
        new(id, tenant, model, priority, T0.AddSeconds(-ageSeconds), T0.AddSeconds(-ageSeconds), GpuSeconds: seconds);

    private static (PoolQueue Queue, ModelLoads Loads) Queue(SchedulerOptions options)
    {
        var loads = new ModelLoads(options.ModelLoadTime);
        return (new PoolQueue(options, new SwitchPrice(options, loads, new MeasuredCosts(new JobCostEstimate(new JobCostOptions())))), loads);
    }

    [Theory]
    [InlineData(20, "warm")]
    [InlineData(22, "cold")]
    public void A_warm_worker_keeps_its_model_until_a_cold_job_waited_longer_by_the_weighted_load_and_the_queued_warm_work(double coldWaitedLonger, string expected)
    {
        var (queue, loads) = Queue(Priced);
        loads.Record("w1", "wan-14b", 10);
        queue.Add(Ticket("warm", "tiny", ageSeconds: 5, seconds: 1));
        queue.Add(Ticket("cold", "wan-14b", ageSeconds: 5 + coldWaitedLonger));

        Assert.Equal(expected, queue.TakeNext(Worker("w1", "tiny"), T0)!.JobId);
    }

    [Fact]
    public void Each_worker_pays_its_own_measured_load()
    {
        var (queue, loads) = Queue(Priced);
        loads.Record("slow-disk", "wan-14b", 60);
        loads.Record("fast-disk", "wan-14b", 5);
        queue.Add(Ticket("warm-1", "tiny", ageSeconds: 0, seconds: 1));
        queue.Add(Ticket("warm-2", "tiny", ageSeconds: 0, seconds: 1));
        queue.Add(Ticket("cold", "wan-14b", ageSeconds: 30));

        Assert.Equal("warm-1", queue.TakeNext(Worker("slow-disk", "tiny"), T0)!.JobId);
        Assert.Equal("cold", queue.TakeNext(Worker("fast-disk", "tiny"), T0)!.JobId);
    }

    [Fact]
    public void Priority_counts_as_waiting_at_the_ageing_interval_per_level()
    {
        var (queue, loads) = Queue(new SchedulerOptions { SwitchRule = SwitchRule.Priced, AgeingInterval = TimeSpan.FromSeconds(60) });
        loads.Record("w1", "wan-14b", 20);
        queue.Add(Ticket("warm-normal", "tiny", ageSeconds: 0));
        queue.Add(Ticket("cold-high", "wan-14b", ageSeconds: 0, priority: JobPriority.High));
        queue.Add(Ticket("cold-urgent", "wan-14b", ageSeconds: 0, priority: JobPriority.Urgent));

        Assert.Equal("cold-urgent", queue.TakeNext(Worker("w1", "tiny"), T0)!.JobId);
        Assert.Equal("warm-normal", queue.TakeNext(Worker("w1", "tiny"), T0)!.JobId);
    }

    [Theory]
    [InlineData(5, 30, "cold")]
    [InlineData(50, 30, "warm")]
    [InlineData(10_000, 310, "warm")]
    [InlineData(10_000, 330, "cold")]
    public void The_more_work_of_the_loaded_model_is_queued_the_longer_a_cold_job_waits_up_to_one_ageing_interval(double warmSeconds, double coldWaitedLonger, string expected)
    {
        var (queue, loads) = Queue(Priced);
        loads.Record("w1", "wan-14b", 10);
        queue.Add(Ticket("warm", "tiny", ageSeconds: 0, seconds: warmSeconds));
        queue.Add(Ticket("cold", "wan-14b", ageSeconds: coldWaitedLonger));

        Assert.Equal(expected, queue.TakeNext(Worker("w1", "tiny"), T0)!.JobId);
    }

    [Fact]
    public void A_worker_with_no_job_of_its_model_switches_at_once_and_an_unmeasured_load_takes_the_setting()
    {
        var (queue, _) = Queue(new SchedulerOptions { SwitchRule = SwitchRule.Priced, ModelLoadTime = TimeSpan.FromHours(1) });
        queue.Add(Ticket("cold", "wan-14b", ageSeconds: 0));

        Assert.Equal("cold", queue.TakeNext(Worker("w1", "tiny"), T0)!.JobId);
    }

    [Fact]
    public void No_tenant_gets_more_than_the_slack_and_one_lease_ahead_of_another_busy_tenant()
    {
        var (queue, loads) = Queue(Priced);
        loads.Record("w1", "wan-14b", 60);
        loads.Record("w1", "tiny", 60);
        for (var i = 0; i < 40; i++)
        {
            queue.Add(Ticket($"a{i:D2}", "tiny", ageSeconds: 100 - i, tenant: "a"));
            queue.Add(Ticket($"b{i:D2}", "wan-14b", ageSeconds: 100 - i, tenant: "b"));
        }

        var loaded = "tiny";
        var (a, b, switches) = (0, 0, 0);
        for (var lease = 0; lease < 60; lease++)
        {
            var next = queue.TakeNext(Worker("w1", loaded), T0)!;
            (a, b) = next.Tenant == "a" ? (a + 1, b) : (a, b + 1);
            switches += next.Model == loaded ? 0 : 1;
            loaded = next.Model;

            Assert.True(Math.Abs(a - b) <= Priced.WarmShareSlack + 1, $"after {lease + 1} leases tenant a has {a} and b {b}");
        }

        Assert.InRange(switches, 1, 30);
    }

    [Fact]
    public void A_job_of_another_model_waits_at_most_its_price_behind_a_steady_stream_of_warm_jobs()
    {
        var (queue, loads) = Queue(Priced);
        loads.Record("w1", "wan-14b", 10);
        queue.Add(Ticket("cold", "wan-14b", ageSeconds: 0, tenant: "b"));
        var now = T0;
        string? taken = null;
        for (var second = 0; second < 60 && taken != "cold"; second++)
        {
            queue.Add(Ticket($"warm-{second}", "tiny", ageSeconds: -second, tenant: second % 2 == 0 ? "a" : "b", seconds: 1));
            now = T0.AddSeconds(second);
            taken = queue.TakeNext(Worker("w1", "tiny"), now)!.JobId;
        }

        Assert.Equal("cold", taken);
        Assert.InRange((now - T0).TotalSeconds, (2 * 10) + 1, (2 * 10) + 3);
    }
}
