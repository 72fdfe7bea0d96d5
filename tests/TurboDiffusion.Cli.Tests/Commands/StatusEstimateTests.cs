using TurboDiffusion.Cli.Commands.Remote;
using TurboDiffusion.Client.Models;

namespace TurboDiffusion.Cli.Tests.Commands;

/// <summary>What <c>turbo status JOB_ID</c> prints of a job's estimate.</summary>
public sealed class StatusEstimateTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_queued_job_shows_its_place_the_work_ahead_the_busy_workers_and_when_it_starts_and_finishes()
    {
        var estimate = new EstimateView("queue", 13, 240.5, 3, 3, Now.AddSeconds(80), Now.AddMinutes(3), 20.1, "measured");

        Assert.Equal("  estimate: position 13, 240.5 GPU-s ahead; 3 of 3 workers busy; starts ~12:01:20 UTC (in 80 s), finishes ~12:03:00 UTC (in 3 min) (20.1 s a job, measured)",
            StatusCommand.Estimate(estimate, Now));
    }

    [Fact]
    public void A_job_no_worker_can_take_promises_no_start_and_a_running_job_shows_its_finish_and_step()
    {
        var unserved = new EstimateView("no_worker", 1, 0, 0, 0, null, null, 19.6, "configured");
        var running = new EstimateView(null, null, null, 1, 1, Now.AddSeconds(-10), Now.AddSeconds(42), 50, "measured", 0.72);

        Assert.Equal("  estimate: position 1, 0 GPU-s ahead; 0 of 0 workers busy; no start expected yet (19.6 s a job, configured)", StatusCommand.Estimate(unserved, Now));
        Assert.Equal("  finishes ~12:00:42 UTC (in 42 s), 0.72 s a step", StatusCommand.Estimate(running, Now));
    }
}
