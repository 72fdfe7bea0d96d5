using TurboDiffusion.Engine;

namespace TurboDiffusion.Farm.Tests.Support;

/// <summary>An engine that hands every call to <paramref name="inner"/>: a base for test engines that watch or bend one of them.</summary>
internal abstract class ForwardingEngine(IVideoEngine inner) : IVideoEngine
{
    protected IVideoEngine Inner => inner;

    public EngineStatus Status => inner.Status;

    public Task<IReadOnlyList<PreflightProblem>> PreflightAsync(PreflightRequest request, CancellationToken cancellationToken = default) => inner.PreflightAsync(request, cancellationToken);

    public Task LoadAsync(string model, IProgress<GenerationProgress>? progress = null, CancellationToken cancellationToken = default) => inner.LoadAsync(model, progress, cancellationToken);

    public Task<IReadOnlyList<VideoResolution>> ServableResolutionsAsync(string model, CancellationToken cancellationToken = default) => inner.ServableResolutionsAsync(model, cancellationToken);

    public Task<RenderIdentity?> IdentifyAsync(string model, CancellationToken cancellationToken = default) => inner.IdentifyAsync(model, cancellationToken);

    public Task<VideoResult> GenerateAsync(VideoRequest request, IProgress<GenerationProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Start(request, null, progress, cancellationToken).Video;

    public Task<VideoResult> GenerateAsync(VideoRequest request, RenderCheckpoints checkpoints, IProgress<GenerationProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Start(request, checkpoints, progress, cancellationToken).Video;

    public virtual RenderInFlight Start(VideoRequest request, RenderCheckpoints? checkpoints, IProgress<GenerationProgress>? progress = null, CancellationToken cancellationToken = default) =>
        inner.Start(request, checkpoints, progress, cancellationToken);

    public void Dispose() => inner.Dispose();
}
