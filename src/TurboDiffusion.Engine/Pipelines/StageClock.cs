using System.Diagnostics;
using TurboDiffusion.Engine.Runtime;

namespace TurboDiffusion.Engine.Pipelines;

/// <summary>
/// Times each stage of one generation, relays its progress as <see cref="GenerationProgress"/> events, and where the
/// allocator's counters are readable (<see cref="AllocatorCounters"/>) records each stage's peak of allocated device
/// memory (weights and everything else live included).
/// </summary>
/// <param name="resetPeaks">Reset the device's peak at each stage's start, so each stage's peak is its own. False where
/// another render's stages run at the same time (an overlapped decode), whose reset would hide this one's peak: each
/// stage then records the device's high-water so far.</param>
internal sealed class StageClock(IProgress<GenerationProgress>? progress, bool resetPeaks = true)
{
    private readonly Dictionary<GenerationStage, TimeSpan> timings = [];
    private readonly Dictionary<GenerationStage, long> peaks = [];
    private readonly Stopwatch total = Stopwatch.StartNew();

    public IReadOnlyDictionary<GenerationStage, TimeSpan> Timings => timings;

    /// <summary>Peak allocated device bytes per stage; empty where the counters cannot be read.</summary>
    public IReadOnlyDictionary<GenerationStage, long> PeakAllocatedBytes => peaks;

    /// <summary>Runs one stage of <paramref name="units"/> units; <paramref name="work"/> reports (done, total) through the callback it is given.</summary>
    public T Run<T>(GenerationStage stage, int units, Func<Action<int, int>, T> work)
    {
        var clock = Stopwatch.StartNew();
        if (resetPeaks)
        {
            AllocatorCounters.ResetPeaks();
        }

        Report(stage, 0, units);
        var result = work((done, total) => Report(stage, done, total));
        timings[stage] = timings.GetValueOrDefault(stage) + clock.Elapsed;
        if (AllocatorCounters.Read() is { } memory)
        {
            peaks[stage] = Math.Max(peaks.GetValueOrDefault(stage), memory.PeakAllocatedBytes);
        }

        Report(stage, units, units);
        return result;
    }

    private void Report(GenerationStage stage, int done, int units) =>
        progress?.Report(new GenerationProgress(stage, done, units, total.Elapsed));
}
