using TurboDiffusion.Farm.Contracts;

namespace TurboDiffusion.Farm.Scheduling;

/// <summary>
/// When a running job is expected to finish, from its own progress events of this attempt (every step, timed on the
/// engine's clock) and what its pool expects of such jobs (<see cref="CostFigures"/>):
/// <list type="bullet">
/// <item>in the sampler, d of n steps done: its latest step + (n - d) x its measured seconds per step + the tail;</item>
/// <item>past the sampler (decoding, writing, uploading): the sampler's end + the tail;</item>
/// <item>before the sampler (loading, encoding): the later of lease + the expected seconds and now + n expected steps + the tail.</item>
/// </list>
/// The measured step is the mean of the job's steps so far, counted from its first step's report (or, when only one
/// step has reported, from the end of encoding that precedes it), so it follows this job's card, not the pool's.
/// </summary>
public static class RunningEstimate
{
    /// <returns>The expected finish, never before <paramref name="now"/>, and the job's measured seconds per step once known.</returns>
    public static (DateTimeOffset FinishAt, double? StepSeconds) Of(DateTimeOffset leasedAt, int steps, IReadOnlyList<JobProgressEvent> events, CostFigures cost, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(cost);
        var attempt = events.Where(e => e.At >= leasedAt).ToList();
        var first = attempt.FindIndex(e => e.Stage == JobStage.Denoising);
        if (first < 0)
        {
            var byLease = leasedAt + TimeSpan.FromSeconds(cost.Seconds);
            var byNow = now + TimeSpan.FromSeconds((steps * cost.StepSeconds) + cost.TailSeconds);
            return (byLease > byNow ? byLease : byNow, null);
        }

        var last = attempt.FindLastIndex(e => e.Stage == JobStage.Denoising);
        var step = StepSeconds(attempt, first, last);
        var samplerEnd = attempt.Skip(last + 1).FirstOrDefault(e => e.Stage > JobStage.Denoising);
        var finish = samplerEnd is not null
            ? samplerEnd.At + TimeSpan.FromSeconds(cost.TailSeconds)
            : attempt[last].At + TimeSpan.FromSeconds((Math.Max(0, attempt[last].Total - attempt[last].Done) * (step ?? cost.StepSeconds)) + cost.TailSeconds);
        return (finish > now ? finish : now, step);
    }

    private static double? StepSeconds(List<JobProgressEvent> attempt, int first, int last)
    {
        var (from, to) = (attempt[first], attempt[last]);
        if (to.Done > from.Done)
        {
            return (to.Elapsed - from.Elapsed).TotalSeconds / (to.Done - from.Done);
        }

        return first > 0 && attempt[first - 1].Stage is JobStage.EncodingText or JobStage.EncodingImage && from.Done > 0
            ? (from.Elapsed - attempt[first - 1].Elapsed).TotalSeconds / from.Done
            : null;
    }
}
