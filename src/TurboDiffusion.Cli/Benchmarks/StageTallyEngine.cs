using System.Collections.Concurrent;
using TurboDiffusion.Engine;

namespace TurboDiffusion.Cli.Benchmarks;

/// <summary>
/// An engine that sums, per stage, the time its renders spent there, so a benchmark through the farm sees where the
/// time went. Everything else is the inner engine's.
/// </summary>
internal sealed class StageTallyEngine(IVideoEngine inner) : IVideoEngine
{
    private readonly ConcurrentDictionary<GenerationStage, double> seconds = new();

    /// <summary>Seconds per stage, summed over every render since the last <see cref="Reset"/>.</summary>
    public IReadOnlyDictionary<GenerationStage, double> Seconds => seconds;

    public EngineStatus Status => inner.Status;

    public void Reset() => seconds.Clear();

    public Task<IReadOnlyList<PreflightProblem>> PreflightAsync(PreflightRequest request, CancellationToken cancellationToken = default) =>
        inner.PreflightAsync(request, cancellationToken);

    public Task LoadAsync(string model, IProgress<GenerationProgress>? progress = null, CancellationToken cancellationToken = default) =>
        inner.LoadAsync(model, progress, cancellationToken);

    public Task<IReadOnlyList<VideoResolution>> ServableResolutionsAsync(string model, CancellationToken cancellationToken = default) =>
        inner.ServableResolutionsAsync(model, cancellationToken);

    public Task<RenderIdentity?> IdentifyAsync(string model, CancellationToken cancellationToken = default) => inner.IdentifyAsync(model, cancellationToken);

    public Task<VideoResult> GenerateAsync(VideoRequest request, IProgress<GenerationProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Start(request, null, progress, cancellationToken).Video;

    public Task<VideoResult> GenerateAsync(VideoRequest request, RenderCheckpoints checkpoints, IProgress<GenerationProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Start(request, checkpoints, progress, cancellationToken).Video;

    public RenderInFlight Start(VideoRequest request, RenderCheckpoints? checkpoints, IProgress<GenerationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var render = inner.Start(request, checkpoints, progress, cancellationToken);
        return render with { Video = TallyAsync(render.Video) };
    }

    public void Dispose() => inner.Dispose();

    private async Task<VideoResult> TallyAsync(Task<VideoResult> video)
    {
        var result = await video.ConfigureAwait(false);
        foreach (var (stage, time) in result.StageTimings)
        {
            seconds.AddOrUpdate(stage, time.TotalSeconds, (_, sum) => sum + time.TotalSeconds);
        }

        return result;
    }
}
