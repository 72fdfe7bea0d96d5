using System.Diagnostics;

namespace TurboDiffusion.Engine.Pipelines;

/// <summary>Times each stage of one generation and relays its progress as <see cref="GenerationProgress"/> events.</summary>
internal sealed class StageClock(IProgress<GenerationProgress>? progress)
{
    private readonly Dictionary<GenerationStage, TimeSpan> timings = [];
    private readonly Stopwatch total = Stopwatch.StartNew();

    public IReadOnlyDictionary<GenerationStage, TimeSpan> Timings => timings;

    /// <summary>Runs one stage of <paramref name="units"/> units; <paramref name="work"/> reports (done, total) through the callback it is given.</summary>
    public T Run<T>(GenerationStage stage, int units, Func<Action<int, int>, T> work)
    {
        var clock = Stopwatch.StartNew();
        Report(stage, 0, units);
        var result = work((done, total) => Report(stage, done, total));
        timings[stage] = timings.GetValueOrDefault(stage) + clock.Elapsed;
        Report(stage, units, units);
        return result;
    }

    private void Report(GenerationStage stage, int done, int units) =>
        progress?.Report(new GenerationProgress(stage, done, units, total.Elapsed));
}
