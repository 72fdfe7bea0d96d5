using TurboDiffusion.Farm.Contracts;

namespace TurboDiffusion.FarmBench;

/// <summary>What the farm's step checkpoints saved: attempts that went on from an earlier attempt's last saved step, and the denoising they did not run again.</summary>
/// <param name="Attempts">turbo_resumes_total over the whole fleet.</param>
/// <param name="GpuSeconds">turbo_resume_gpu_seconds_saved_total over the whole fleet.</param>
public sealed record ResumeSavings(int Attempts, double GpuSeconds);

/// <summary>The fleet's dedupe hits (turbo_dedupe_hits_total) and the GPU-seconds they did not spend (turbo_dedupe_gpu_seconds_saved_total).</summary>
public sealed record RenderOnceSavings(int Hits, double GpuSeconds);

/// <summary>
/// What the kills cost: how many attempts they interrupted, how they were ended (silo lost, lease expired), for each
/// interrupted job how long after its silo's kill it was back in the queue (requeue) and running on another worker
/// (resume), and what step checkpoints saved of the interrupted work.
/// </summary>
/// <param name="SpanSeconds">From the first kill to the last: a kill and its replacement's start take their own time, so the achieved pace may be slower than asked.</param>
public sealed record KillReport(
    int Kills, double SpanSeconds, int Interrupted, IReadOnlyDictionary<string, int> EndedAs, LatencySummary Requeue, LatencySummary Resume, ResumeSavings Resumed)
{
    public static KillReport Of(IReadOnlyList<SiloKill> kills, IReadOnlyList<JobState> jobs, ResumeSavings resumed)
    {
        ArgumentNullException.ThrowIfNull(resumed);
        // A replacement silo may take a killed one's name, so an attempt belongs to the kill of its silo that fell inside it.
        var killsOf = kills.ToLookup(k => k.Silo, k => k.At, StringComparer.Ordinal);
        var requeue = new List<TimeSpan>();
        var resume = new List<TimeSpan>();
        var endedAs = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var job in jobs)
        {
            for (var i = 0; i < job.Attempts.Length; i++)
            {
                var attempt = job.Attempts[i];
                if (attempt.Outcome == AttemptOutcome.Succeeded || attempt.EndedAt is not { } ended
                    || killsOf[attempt.WorkerId].Where(k => k >= attempt.LeasedAt && k <= ended).Order().Select(k => (DateTimeOffset?)k).FirstOrDefault() is not { } at)
                {
                    continue;
                }

                var label = attempt.Outcome?.Label() ?? "unknown";
                endedAs[label] = endedAs.GetValueOrDefault(label) + 1;
                requeue.Add(ended - at);
                if (i + 1 < job.Attempts.Length)
                {
                    resume.Add(job.Attempts[i + 1].LeasedAt - at);
                }
            }
        }

        var span = kills.Count > 1 ? (kills[^1].At - kills[0].At).TotalSeconds : 0;
        return new KillReport(kills.Count, span, requeue.Count, endedAs, LatencySummary.Of(requeue), LatencySummary.Of(resume), resumed);
    }
}
