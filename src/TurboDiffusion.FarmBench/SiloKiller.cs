using System.Diagnostics;
using Orleans.TestingHost;

namespace TurboDiffusion.FarmBench;

/// <summary>One silo kill: which silo (= its worker's id) and when.</summary>
public sealed record SiloKill(string Silo, DateTimeOffset At);

/// <summary>
/// Kills a silo every <see cref="Interval"/> while the workload runs and starts a replacement at once, so any number of
/// kills fits a fleet of any size. The first silo is spared: it holds the test cluster's membership table, which a
/// real fleet keeps in its clustering store, not in a silo.
/// </summary>
internal sealed class SiloKiller(InProcessTestCluster cluster, int kills, TimeSpan interval, Action<string> say)
{
    private readonly List<SiloKill> done = [];

    public TimeSpan Interval => interval;

    public IReadOnlyList<SiloKill> Done => done;

    /// <summary>Kills prefer a silo whose worker holds a job (<paramref name="busyWorkers"/>), so each one interrupts a render.</summary>
    public async Task RunAsync(Func<Task<IReadOnlySet<string>>> busyWorkers, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        for (var k = 0; k < kills; k++)
        {
            var due = interval * (k + 1) - clock.Elapsed;
            if (due > TimeSpan.Zero)
            {
                await Task.Delay(due, cancellationToken);
            }

            var busy = await busyWorkers();
            var candidates = cluster.Silos.Skip(1).Where(s => s.IsActive).ToList();
            var victim = candidates.FirstOrDefault(s => busy.Contains(s.Name)) ?? candidates.FirstOrDefault();
            if (victim is null)
            {
                throw new InvalidOperationException("No silo besides the first is running, so there is nothing to kill; start at least 2 silos.");
            }

            done.Add(new SiloKill(victim.Name, DateTimeOffset.UtcNow));
            await cluster.KillSiloAsync(victim, cancellationToken);
            await cluster.StartAdditionalSiloAsync();
            if ((k + 1) % 10 == 0 || k + 1 == kills)
            {
                say($"{k + 1} of {kills} silos killed and replaced");
            }
        }
    }
}
