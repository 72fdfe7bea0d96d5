using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Farm.Options;
using TurboDiffusion.Farm.Scheduling;

namespace TurboDiffusion.Farm.Tests.Scheduling;

public sealed class PoolQueueTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);
    private static readonly LeaseRequest Cold = new("w1", "silo", [], 80L << 30);

    private static QueueTicket Ticket(string id, string tenant = "a", JobPriority priority = JobPriority.Normal, string model = "tiny", double ageSeconds = 0) =>
        new(id, tenant, model, priority, T0.AddSeconds(-ageSeconds), T0.AddSeconds(-ageSeconds));

    private static List<string> Drain(PoolQueue queue, LeaseRequest request, DateTimeOffset now)
    {
        var order = new List<string>();
        while (queue.TakeNext(request, now) is { } ticket)
        {
            order.Add(ticket.JobId);
        }

        return order;
    }

    [Fact]
    public void A_requeued_job_keeps_its_place_ahead_of_jobs_submitted_after_it()
    {
        var queue = new PoolQueue(new SchedulerOptions());
        queue.Add(Ticket("backlog-1", ageSeconds: 120));
        queue.Add(Ticket("backlog-2", ageSeconds: 60));
        queue.Add(new QueueTicket("requeued", "a", "tiny", JobPriority.Normal, QueuedAt: T0, SubmittedAt: T0.AddSeconds(-300)));

        Assert.Equal(["requeued", "backlog-1", "backlog-2"], Drain(queue, Cold, T0));
    }

    [Fact]
    public void A_worker_is_not_offered_a_resolution_its_device_cannot_render_and_smaller_jobs_pass_it()
    {
        var queue = new PoolQueue(new SchedulerOptions());
        queue.Add(Ticket("big", model: "wan-14b", ageSeconds: 60) with { Resolution = JobResolution.P720 });
        queue.Add(Ticket("small", model: "wan-14b", ageSeconds: 30) with { Resolution = JobResolution.P480 });
        var small = Cold with { WorkerId = "w-24gb", Limits = [new ServingLimit("wan-14b", [JobResolution.P144, JobResolution.P480])] };
        var large = Cold with { WorkerId = "w-80gb", Limits = [new ServingLimit("wan-14b", [JobResolution.P144, JobResolution.P480, JobResolution.P720])] };

        Assert.Equal(["small"], Drain(queue, small, T0));
        Assert.Equal(["big"], Drain(queue, large, T0));
    }

    [Fact]
    public void A_worker_that_has_not_planned_a_model_may_be_offered_it_at_any_resolution()
    {
        var queue = new PoolQueue(new SchedulerOptions());
        queue.Add(Ticket("big", model: "wan-14b") with { Resolution = JobResolution.P720 });
        var plannedOther = Cold with { Limits = [new ServingLimit("tiny", [JobResolution.P144])] };

        Assert.Equal(["big"], Drain(queue, plannedOther, T0));
    }

    [Fact]
    public void Higher_priority_leases_first_and_equal_priority_in_arrival_order()
    {
        var queue = new PoolQueue(new SchedulerOptions());
        queue.Add(Ticket("low", priority: JobPriority.Low, ageSeconds: 4));
        queue.Add(Ticket("normal-1", ageSeconds: 3));
        queue.Add(Ticket("urgent", priority: JobPriority.Urgent, ageSeconds: 2));
        queue.Add(Ticket("normal-2", ageSeconds: 1));
        queue.Add(Ticket("high", priority: JobPriority.High));

        Assert.Equal(["urgent", "high", "normal-1", "normal-2", "low"], Drain(queue, Cold, T0));
    }

    [Fact]
    public void A_low_priority_job_that_waited_long_enough_overtakes_new_urgent_work()
    {
        var queue = new PoolQueue(new SchedulerOptions { AgeingInterval = TimeSpan.FromMinutes(1) });
        queue.Add(Ticket("old-low", priority: JobPriority.Low, ageSeconds: 4 * 60));
        queue.Add(Ticket("new-urgent", priority: JobPriority.Urgent));

        Assert.Equal("old-low", queue.TakeNext(Cold, T0)!.JobId);
    }

    [Fact]
    public void Two_busy_tenants_alternate_even_when_one_queued_far_more_first()
    {
        var queue = new PoolQueue(new SchedulerOptions());
        for (var i = 0; i < 20; i++)
        {
            queue.Add(Ticket($"a{i:D2}", tenant: "a", ageSeconds: 100 - i));
        }

        for (var i = 0; i < 5; i++)
        {
            queue.Add(Ticket($"b{i}", tenant: "b", ageSeconds: 10 - i));
        }

        var first10 = Drain(queue, Cold, T0).Take(10).Select(id => id[0]).ToList();

        Assert.Equal(5, first10.Count(t => t == 'b'));
        Assert.Equal(5, first10.Count(t => t == 'a'));
    }

    [Fact]
    public void A_tenant_of_weight_two_gets_two_leases_for_each_of_a_weight_one_tenant()
    {
        var queue = new PoolQueue(new SchedulerOptions { TenantWeights = new() { ["gold"] = 2 } });
        for (var i = 0; i < 30; i++)
        {
            queue.Add(Ticket($"g{i:D2}", tenant: "gold", ageSeconds: 100 - i));
            queue.Add(Ticket($"s{i:D2}", tenant: "std", ageSeconds: 100 - i));
        }

        var first30 = Drain(queue, Cold, T0).Take(30).ToList();

        Assert.Equal(20, first30.Count(id => id[0] == 'g'));
    }

    [Fact]
    public void A_tenant_returning_from_idle_does_not_bank_credit()
    {
        var queue = new PoolQueue(new SchedulerOptions());
        for (var i = 0; i < 10; i++)
        {
            queue.Add(Ticket($"a{i}", tenant: "a"));
        }

        queue.Add(Ticket("b0", tenant: "b"));
        Drain(queue, Cold, T0);
        for (var i = 0; i < 10; i++)
        {
            queue.Add(Ticket($"b{i + 1}", tenant: "b", ageSeconds: -1));
            queue.Add(Ticket($"c{i}", tenant: "c", ageSeconds: -1));
        }

        var next10 = Drain(queue, Cold, T0.AddSeconds(2)).Take(10).ToList();

        Assert.InRange(next10.Count(id => id[0] == 'c'), 4, 6);
    }

    [Fact]
    public void A_worker_with_the_model_loaded_gets_that_models_job_before_an_older_cold_one()
    {
        var queue = new PoolQueue(new SchedulerOptions());
        queue.Add(Ticket("cold", model: "wan-14b", ageSeconds: 10));
        queue.Add(Ticket("warm", model: "tiny"));

        var warmWorker = new LeaseRequest("w1", "silo", ["tiny"], 0);

        Assert.Equal("warm", queue.TakeNext(warmWorker, T0)!.JobId);
        Assert.Equal("cold", queue.TakeNext(Cold, T0)!.JobId);
    }

    [Fact]
    public void Warmth_does_not_beat_a_higher_priority_by_more_than_the_bonus()
    {
        var queue = new PoolQueue(new SchedulerOptions { SwitchRule = SwitchRule.Affinity, WarmModelBonus = 1 });
        queue.Add(Ticket("urgent-cold", model: "wan-14b", priority: JobPriority.Urgent));
        queue.Add(Ticket("normal-warm", model: "tiny"));

        Assert.Equal("urgent-cold", queue.TakeNext(new LeaseRequest("w1", "silo", ["tiny"], 80L << 30), T0)!.JobId);
    }

    [Fact]
    public void A_model_that_does_not_fit_free_memory_is_not_offered_cold()
    {
        var queue = new PoolQueue(new SchedulerOptions { ModelMemoryBytes = new() { ["wan-14b"] = 60L << 30 } });
        queue.Add(Ticket("big", model: "wan-14b"));

        Assert.Null(queue.TakeNext(new LeaseRequest("w1", "silo", [], 20L << 30), T0));
        Assert.Equal("big", queue.TakeNext(new LeaseRequest("w2", "silo", [], 70L << 30), T0)!.JobId);
    }

    [Fact]
    public void Tickets_queued_before_the_cutoff_are_taken_out_and_the_rest_stay()
    {
        var queue = new PoolQueue(new SchedulerOptions());
        queue.Add(Ticket("old", ageSeconds: 100));
        queue.Add(Ticket("new", ageSeconds: 1));

        var expired = queue.TakeQueuedBefore(T0.AddSeconds(-50));

        Assert.Equal("old", Assert.Single(expired).JobId);
        Assert.Equal(1, queue.Count);
    }

    [Fact]
    public void Snapshot_reports_depth_by_priority_oldest_age_and_tenants()
    {
        var queue = new PoolQueue(new SchedulerOptions());
        queue.Add(Ticket("x", priority: JobPriority.High, ageSeconds: 30));
        queue.Add(Ticket("y", tenant: "b", ageSeconds: 5));

        var snapshot = queue.Snapshot("default", leased: 3, T0);

        Assert.Equal(2, snapshot.Depth);
        Assert.Equal(1, snapshot.DepthByPriority[JobPriority.High]);
        Assert.Equal(TimeSpan.FromSeconds(30), snapshot.OldestQueuedAge);
        Assert.Equal(3, snapshot.Leased);
        Assert.Equal(1, snapshot.QueuedByTenant["b"]);
    }

    [Fact]
    public void A_tickets_place_is_where_the_queue_actually_leases_it_across_priorities_ageing_and_weighted_tenants()
    {
        var options = new SchedulerOptions { AgeingInterval = TimeSpan.FromSeconds(10), TenantWeights = new() { ["heavy"] = 2 } };
        var queue = new PoolQueue(options);
        var priorities = new[] { JobPriority.Low, JobPriority.Normal, JobPriority.High };
        var tenants = new[] { "heavy", "light", "solo" };
        for (var i = 0; i < 60; i++)
        {
            // Submission times 0.7 s apart never tie a score exactly; three tenants, three priorities, two models.
            queue.Add(Ticket($"j{i:D2}", tenants[(i * 7) % 3], priorities[(i * 5) % 3], i % 4 == 0 ? "wan-1.3b" : "tiny", ageSeconds: 60 - (i * 0.7)));
        }

        var places = queue.Tickets.ToDictionary(t => t.JobId, t => queue.Place(t, _ => 1.5, 0, T0));
        var order = Drain(queue, Cold, T0);

        Assert.Equal(60, order.Count);
        Assert.All(order.Select((id, index) => (id, index)), o => Assert.True(places[o.id].Ahead == o.index, $"{o.id} leased {o.index}th, placed after {places[o.id].Ahead}"));
        Assert.All(places.Values, p => Assert.Equal(p.Ahead * 1.5, p.AheadSeconds, 9));
    }

    [Fact]
    public void A_tenant_that_used_more_than_its_share_sees_other_tenants_jobs_placed_before_its_own()
    {
        var queue = new PoolQueue(new SchedulerOptions { TenantWeights = new() { ["light"] = 3 } });
        queue.Add(Ticket("h0", "heavy", ageSeconds: 100));
        queue.Add(Ticket("h1", "heavy", ageSeconds: 99));
        for (var i = 0; i < 6; i++)
        {
            queue.Add(Ticket($"l{i}", "light", ageSeconds: 90 - i));
        }

        Assert.Equal("h0", queue.TakeNext(Cold, T0)!.JobId);
        var heavy = queue.Place(queue.Find("h1")!, _ => 2, 0, T0);
        var light = queue.Place(queue.Find("l5")!, _ => 2, 0, T0);

        Assert.Equal(new QueuePlace(3, 6, 3, OverFairShare: true), heavy);
        Assert.Equal(new QueuePlace(6, 12, 1, OverFairShare: false), light);
        Assert.Equal(["l0", "l1", "l2", "h1", "l3", "l4", "l5"], Drain(queue, Cold, T0));
    }

    [Fact]
    public void A_small_buckets_places_are_exact_and_a_large_ones_are_recounted_at_most_once_a_second()
    {
        var large = new PoolQueue(new SchedulerOptions());
        var small = new PoolQueue(new SchedulerOptions());
        for (var i = 0; i < 5000; i++)
        {
            large.Add(Ticket($"j{i:D4}", ageSeconds: 10_000 - i));
        }

        for (var i = 0; i < 5; i++)
        {
            small.Add(Ticket($"j{i}", ageSeconds: 100 - i));
        }

        var (last, fifth) = (large.Find("j4999")!, small.Find("j4")!);
        var before = (large.Place(last, _ => 1, 0, T0).Ahead, small.Place(fifth, _ => 1, 0, T0).Ahead);
        large.Remove("j0000");
        small.Remove("j0");
        var soon = (large.Place(last, _ => 1, 0, T0.AddMilliseconds(500)).Ahead, small.Place(fifth, _ => 1, 0, T0.AddMilliseconds(500)).Ahead);
        var later = large.Place(last, _ => 1, 0, T0.AddSeconds(1)).Ahead;

        Assert.Equal((4999, 4), before);
        Assert.Equal((4999, 3), soon);
        Assert.Equal(4998, later);
    }
}
