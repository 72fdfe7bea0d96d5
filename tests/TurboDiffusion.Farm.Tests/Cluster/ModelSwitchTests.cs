using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Farm.Tests.Support;
using TurboDiffusion.Silo.Simulation;

namespace TurboDiffusion.Farm.Tests.Cluster;

/// <summary>Model switches on a real cluster: simulated engines keeping one model resident, job state in the real Redis.</summary>
[Collection(MultiSiloGroup.Name)]
public sealed class ModelSwitchTests : IAsyncDisposable
{
    private const string BlockerPrompt = "block the only worker";

    private readonly PrefixedRedisStore redis = new();

    [Fact]
    public async Task The_scheduler_measures_each_workers_load_of_each_model_from_the_jobs_it_renders()
    {
        var made = 0;
        SimulatedVideoEngine Engine(string _) => Interlocked.Increment(ref made) == 1
            ? new() { MaxResidentModels = 1, StepTime = TimeSpan.FromMilliseconds(25), LoadTimes = Loads(0.2, 0.4) }
            : new() { MaxResidentModels = 1, StepTime = TimeSpan.FromMilliseconds(25), LoadTimes = Loads(0.6, 1.0) };
        await using var farm = await TestFarm.StartAsync(2, Engine, store: await redis.OpenAsync());
        var jobs = new List<JobState>();
        for (var i = 0; i < 12; i++)
        {
            jobs.Add(await farm.SubmitAsync(Specs.Job(model: i % 2 == 0 ? "tiny" : "wan-1.3b", key: $"load-{i}")));
        }

        foreach (var job in jobs)
        {
            await farm.WaitForStatusAsync(job.JobId, JobStatus.Succeeded, seconds: 60);
        }

        var measured = (await farm.Scheduler().GetSnapshot()).ModelLoads;

        Assert.Equal(farm.Engines.Values.Sum(e => e.Loads), measured.Sum(m => m.Loads));
        Assert.Equal(2, measured.Select(m => m.WorkerId).Distinct().Count());
        Assert.All(measured, m =>
        {
            var loaded = farm.Engines[m.WorkerId].LoadTimes[m.Model].TotalSeconds;
            // Timed on the job grain's clock as the worker's reports arrive, each a little late: the start's lateness can
            // exceed the end's by up to a report's trip, so the measure may fall a little short as well as run over.
            Assert.True(Math.Abs(m.Seconds - loaded) <= 0.15, $"{m.WorkerId} loads {m.Model} in {loaded} s; measured {m.Seconds:0.000} s");
        });
    }

    [Theory]
    [InlineData("Priced", new[] { "tiny", "tiny", "tiny", "wan-1.3b" })]
    [InlineData("Affinity", new[] { "wan-1.3b", "tiny", "tiny", "tiny" })]
    public async Task A_worker_keeps_its_loaded_model_while_the_older_job_of_another_waited_less_than_the_price_of_a_switch(string rule, string[] expected)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Turbo:Scheduler:SwitchRule"] = rule,
            ["Turbo:Scheduler:WarmModelBonus"] = "0",
            ["Turbo:Scheduler:ModelLoadTime"] = "00:01:00",
        };
        await using var farm = await TestFarm.StartAsync(1, _ => new SimulatedVideoEngine { Behavior = (request, _) => request.Prompt == BlockerPrompt ? SimulatedBehavior.Hang : SimulatedBehavior.Succeed }, settings, await redis.OpenAsync());
        var blocker = await farm.SubmitAsync(Specs.Job(prompt: BlockerPrompt, key: "blocker"));
        await farm.WaitForStatusAsync(blocker.JobId, JobStatus.Running);
        var jobs = new List<JobState> { await farm.SubmitAsync(Specs.Job(model: "wan-1.3b", key: "older-cold")) };
        for (var i = 0; i < 3; i++)
        {
            jobs.Add(await farm.SubmitAsync(Specs.Job(key: $"warm-{i}")));
        }

        await farm.Job(blocker.JobId).Cancel();
        var done = await Task.WhenAll(jobs.Select(j => farm.WaitForStatusAsync(j.JobId, JobStatus.Succeeded)));

        Assert.Equal(expected, done.OrderBy(j => j.Timings.LeasedAt).Select(j => j.Spec.Model));
    }

    public ValueTask DisposeAsync() => redis.DisposeAsync();

    private static Dictionary<string, TimeSpan> Loads(double tiny, double wan) =>
        new() { ["tiny"] = TimeSpan.FromSeconds(tiny), ["wan-1.3b"] = TimeSpan.FromSeconds(wan) };
}
