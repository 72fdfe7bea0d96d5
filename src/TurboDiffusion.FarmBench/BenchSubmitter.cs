using System.Collections.Concurrent;
using System.Diagnostics;
using TurboDiffusion.Farm.Contracts;

namespace TurboDiffusion.FarmBench;

/// <summary>
/// Submits the benchmark's jobs, spread over models, tenants and priorities, each under its own idempotency key. A call
/// that fails because a silo is dying is repeated with the same key (as the gateway and SDK do), so a job is accepted
/// once however often its submission is retried. Over a nonzero span the submissions are paced evenly across it.
/// </summary>
internal sealed class BenchSubmitter(FarmBenchSettings settings, IClusterClient client)
{
    /// <summary>Denoising steps of every bench job; the simulated render time is spread over them.</summary>
    public const int Steps = 4;

    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(1);

    private readonly ConcurrentBag<TimeSpan> calls = [];
    private readonly string[] accepted = new string[settings.Jobs];
    private int retries;

    public IReadOnlyList<string> Accepted => accepted;

    public IReadOnlyCollection<TimeSpan> Calls => calls;

    public int Retries => retries;

    public DateTimeOffset StartedAt { get; private set; }

    public double Seconds { get; private set; }

    public async Task RunAsync(TimeSpan span, CancellationToken cancellationToken)
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var priorities = Enum.GetValues<JobPriority>();
        using var gate = new SemaphoreSlim(settings.Concurrency);
        StartedAt = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var submissions = Enumerable.Range(0, settings.Jobs).Select(async i =>
        {
            var due = span * i / settings.Jobs - clock.Elapsed;
            if (due > TimeSpan.Zero)
            {
                await Task.Delay(due, cancellationToken);
            }

            await gate.WaitAsync(cancellationToken);
            try
            {
                // Models vary across each round of tenants, so every tenant has jobs of every model. Every job gives its
                // seed, so the gateway would let it be answered from an identical finished render, as here.
                var shot = settings.SourceOf(i);
                var spec = new JobSpec($"bench shot {shot}", FarmBenchSettings.ModelName(i / settings.Tenants % settings.Models), JobResolution.P480, JobAspect.Landscape16x9, 81, Steps, shot,
                    priorities[i % priorities.Length], $"tenant-{i % settings.Tenants}", $"bench-{run}-{i}", Dedupe: true);
                accepted[i] = (await SubmitOnceAsync(spec, cancellationToken)).JobId;
            }
            finally
            {
                gate.Release();
            }
        });
        await Task.WhenAll(submissions);
        Seconds = clock.Elapsed.TotalSeconds;
    }

    private async Task<JobState> SubmitOnceAsync(JobSpec spec, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                var job = (await client.SubmitJobAsync(spec)).EnsureAccepted();
                calls.Add(Stopwatch.GetElapsedTime(started));
                return job;
            }
            catch (Exception e) when (e is SiloUnavailableException or OrleansMessageRejectionException or TimeoutException && clock.Elapsed < Patience)
            {
                Interlocked.Increment(ref retries);
                await Task.Delay(RetryDelay, cancellationToken);
            }
        }
    }
}
