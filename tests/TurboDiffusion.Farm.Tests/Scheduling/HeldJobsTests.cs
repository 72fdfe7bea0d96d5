using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Farm.Scheduling;

namespace TurboDiffusion.Farm.Tests.Scheduling;

public sealed class HeldJobsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    private static QueueTicket Ticket(string id, string tenant = "a", double atSeconds = 0, double gpuSeconds = 0) =>
        new(id, tenant, "tiny", JobPriority.Normal, T0.AddSeconds(atSeconds), T0.AddSeconds(atSeconds), GpuSeconds: gpuSeconds);

    [Fact]
    public void A_tenants_held_jobs_are_released_oldest_first_then_by_job_id_and_only_as_far_as_its_room()
    {
        var held = new HeldJobs();
        held.Add(Ticket("bat.00002"));
        held.Add(Ticket("bat.00010"));
        held.Add(Ticket("bat.00001"));
        held.Add(Ticket("earlier", atSeconds: -5));

        var first = held.TakeReleasable(_ => 3, _ => 1, max: 100);

        Assert.Equal(["earlier", "bat.00001", "bat.00002"], first.Select(t => t.JobId));
        Assert.Equal(4, held.Count);
        Assert.Equal(1, held.HeldOf("a"));
        Assert.Equal(3, held.ReleasingOf("a"));
    }

    [Fact]
    public void Tenants_take_turns_and_the_first_tenant_changes_from_call_to_call()
    {
        var held = new HeldJobs();
        for (var i = 0; i < 4; i++)
        {
            held.Add(Ticket($"a{i}", "a", i));
            held.Add(Ticket($"b{i}", "b", i));
        }

        var first = held.TakeReleasable(_ => 10, _ => 1, max: 3);
        var second = held.TakeReleasable(_ => 10, _ => 1, max: 3);

        Assert.Equal(["a0", "b0", "a1"], first.Select(t => t.JobId));
        Assert.Equal(["b1", "a2", "b2"], second.Select(t => t.JobId));
    }

    [Fact]
    public void A_failed_release_is_held_again_in_its_place_and_a_settled_one_leaves()
    {
        var held = new HeldJobs();
        held.Add(Ticket("j1"));
        held.Add(Ticket("j2", atSeconds: 1));
        var taken = held.TakeReleasable(_ => 2, _ => 1, max: 10);

        held.Return(taken[0]);
        held.Settle(taken[1].JobId);

        Assert.Equal(1, held.Count);
        Assert.Equal(0, held.ReleasingOf("a"));
        Assert.Equal(["j1"], held.TakeReleasable(_ => 5, _ => 1, max: 10).Select(t => t.JobId));
    }

    [Fact]
    public void A_canceled_job_leaves_whether_held_or_being_released_and_counts_ahead_follow()
    {
        var held = new HeldJobs();
        held.Add(Ticket("j1"));
        held.Add(Ticket("j2", atSeconds: 1));
        held.Add(Ticket("j3", atSeconds: 2));
        var releasing = held.TakeReleasable(_ => 1, _ => 1, max: 10).Single();

        Assert.Equal(1, held.CountAhead(held.Find("j3")!));
        Assert.True(held.Remove(releasing.JobId));
        Assert.True(held.Remove("j2"));
        Assert.False(held.Remove("j2"));
        Assert.Equal(0, held.CountAhead(held.Find("j3")!));
        Assert.Equal(1, held.Count);
        Assert.False(held.Contains("j1"));
    }

    [Fact]
    public void In_gpu_seconds_a_tenant_releases_in_order_while_its_oldest_fits_and_its_releases_count_their_gpu_seconds()
    {
        var held = new HeldJobs();
        held.Add(Ticket("j1", gpuSeconds: 20));
        held.Add(Ticket("j2", atSeconds: 1, gpuSeconds: 30));
        held.Add(Ticket("j3", atSeconds: 2, gpuSeconds: 5));

        // 45 of room: j1 fits, j2 (30 more) does not, and j3 behind it waits although it would fit.
        var taken = held.TakeReleasable(_ => 45, t => t.GpuSeconds, max: 10);

        Assert.Equal(["j1"], taken.Select(t => t.JobId));
        Assert.Equal(20, held.ReleasingGpuSecondsOf("a"));
        Assert.Equal(35, held.GpuSeconds);
        held.Settle("j1");
        Assert.Equal(0, held.ReleasingGpuSecondsOf("a"));
        Assert.Equal(["j2", "j3"], held.TakeReleasable(_ => 35, t => t.GpuSeconds, max: 10).Select(t => t.JobId));
    }
}
