using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Farm.Tests.Support;
using TurboDiffusion.Silo.Simulation;

namespace TurboDiffusion.Farm.Tests.Cluster;

/// <summary>
/// Two silos, one whose machine is broken (its encoder fails) and one healthy, and ten jobs: the broken machine's
/// failures are charged to it, never to the jobs, and every job ends on the healthy worker.
/// </summary>
[Collection(MultiSiloGroup.Name)]
public sealed class BrokenWorkerTests
{
    private const int Jobs = 10;

    [Fact]
    public async Task A_worker_whose_encoder_fails_its_preflight_leases_nothing_and_reports_unready_while_all_jobs_succeed_elsewhere()
    {
        var (farm, engines) = await StartAsync(SimulatedEncoderFault.Always);
        await using var _ = farm;

        var done = await SubmitAndFinishAsync(farm);

        var broken = engines.Broken;
        Assert.All(done, job => Assert.All(job.Attempts, a => Assert.NotEqual(broken.Name, a.WorkerId)));
        Assert.Equal(0, broken.Engine.Generations);
        var report = await UnreadyAsync(farm, broken.Name);
        Assert.Contains("encoder", report.Health, StringComparison.Ordinal);
        Assert.Contains("Fix:", report.Health, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Encoder_crashes_during_jobs_hand_them_back_without_spending_attempts_until_the_worker_takes_itself_out()
    {
        var (farm, engines) = await StartAsync(SimulatedEncoderFault.DuringJobs);
        await using var _ = farm;

        var done = await SubmitAndFinishAsync(farm);

        var broken = engines.Broken;
        Assert.All(done, job => Assert.Equal(0, job.EngineFailures));
        var faults = done.SelectMany(j => j.Attempts).Where(a => a.WorkerId == broken.Name).ToList();
        Assert.All(faults, a => Assert.Equal(AttemptOutcome.WorkerFault, a.Outcome));
        Assert.InRange(faults.Count, 1, 3);
        var report = await UnreadyAsync(farm, broken.Name);
        Assert.Contains("3 jobs in a row failed on this worker's machine", report.Health, StringComparison.Ordinal);
        Assert.Contains("encoder crashed", report.Health, StringComparison.Ordinal);
        Assert.Equal(faults.Count, await farm.MetricAsync("turbo_job_attempts_total", "reason=\"worker_fault\""));
    }

    private static async Task<(TestFarm Farm, TwoEngines Engines)> StartAsync(SimulatedEncoderFault fault)
    {
        var engines = new TwoEngines(fault);
        var farm = await TestFarm.StartAsync(2, engines.Create, new Dictionary<string, string?>
        {
            // Failures of the broken machine must not exhaust a job's budget before the healthy worker takes it.
            ["Turbo:Lease:MaxEngineAttempts"] = "1",
            ["Turbo:Worker:UnreadyAfterWorkerFaults"] = "3",
            ["Turbo:Worker:PreflightRetryInterval"] = "00:10:00",
            ["Turbo:Worker:MinFreeScratchBytes"] = "1",
        });
        return (farm, engines);
    }

    private static async Task<IReadOnlyList<JobState>> SubmitAndFinishAsync(TestFarm farm)
    {
        var submitted = new List<JobState>();
        for (var i = 0; i < Jobs; i++)
        {
            submitted.Add(await farm.SubmitAsync(Specs.Job(tenant: i % 2 == 0 ? "studio-a" : "studio-b", prompt: $"shot {i}")));
        }

        var done = new List<JobState>();
        foreach (var job in submitted)
        {
            done.Add(await farm.WaitForStatusAsync(job.JobId, JobStatus.Succeeded, seconds: 60));
        }

        return done;
    }

    private static async Task<WorkerInfo> UnreadyAsync(TestFarm farm, string worker)
    {
        WorkerInfo? report = null;
        await TestFarm.WaitUntilAsync(async () =>
        {
            report = (await farm.Client.GetGrain<IWorkerRegistryGrain>("default").List()).SingleOrDefault(w => w.WorkerId == worker);
            return report?.State == WorkerState.Unready;
        }, $"worker {worker} to report unready");
        return report!;
    }

    /// <summary>The first silo to build its engine gets the broken one; the other a healthy, slightly slow one.</summary>
    private sealed class TwoEngines(SimulatedEncoderFault fault)
    {
        private readonly Lock gate = new();
        private (string Name, SimulatedVideoEngine Engine)? broken;

        public (string Name, SimulatedVideoEngine Engine) Broken => broken ?? throw new InvalidOperationException("no silo built an engine");

        public SimulatedVideoEngine Create(string silo)
        {
            lock (gate)
            {
                if (broken is null)
                {
                    var engine = new SimulatedVideoEngine { EncoderFault = fault };
                    broken = (silo, engine);
                    return engine;
                }

                return new SimulatedVideoEngine { StepTime = TimeSpan.FromMilliseconds(100) };
            }
        }
    }
}
