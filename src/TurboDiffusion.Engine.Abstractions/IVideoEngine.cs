namespace TurboDiffusion.Engine;

/// <summary>
/// A warm video engine: loads models once, then turns requests into MP4 files. The farm's GPU worker
/// calls it on its own thread; progress is reported per stage and per sampler step, and cancellation
/// reaches the step loop.
/// </summary>
public interface IVideoEngine : IDisposable
{
    /// <summary>What is resident now (models, device, memory).</summary>
    EngineStatus Status { get; }

    /// <summary>
    /// Checks everything a render needs before one is accepted: libtorch and the device, the encoder (by encoding a
    /// tiny clip), the files of <see cref="PreflightRequest.Models"/>. Returns what is wrong, nothing when ready; a
    /// problem it finds is returned, never thrown.
    /// </summary>
    Task<IReadOnlyList<PreflightProblem>> PreflightAsync(PreflightRequest request, CancellationToken cancellationToken = default);

    /// <summary>Loads <paramref name="model"/> (a model id such as "tiny" or a model directory) if it is not resident.</summary>
    Task LoadAsync(string model, IProgress<GenerationProgress>? progress = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// The resolutions of <paramref name="model"/> this engine can render at the released clip length (81 frames) on
    /// its device, from its memory plan, before anything loads; every resolution where the engine cannot tell.
    /// </summary>
    Task<IReadOnlyList<VideoResolution>> ServableResolutionsAsync(string model, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<VideoResolution>>(Enum.GetValues<VideoResolution>());

    /// <summary>
    /// What decides the pixels of <paramref name="model"/>'s renders on this engine besides the request, without loading
    /// it; null where the engine cannot tell, and then its renders are never reused for another job.
    /// </summary>
    Task<RenderIdentity?> IdentifyAsync(string model, CancellationToken cancellationToken = default) => Task.FromResult<RenderIdentity?>(null);

    /// <summary>Renders one video to <see cref="VideoRequest.OutputPath"/>, loading its model first if needed.</summary>
    Task<VideoResult> GenerateAsync(VideoRequest request, IProgress<GenerationProgress>? progress = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Renders as <see cref="GenerateAsync(VideoRequest, IProgress{GenerationProgress}?, CancellationToken)"/>, going on
    /// from <see cref="RenderCheckpoints.ResumeFrom"/> when given and saving every finished denoising step through
    /// <see cref="RenderCheckpoints.Save"/>. <see cref="VideoResult.Resumed"/> says whether it went on from the checkpoint.
    /// An engine that cannot checkpoint (this default) renders from the first step and saves nothing.
    /// </summary>
    /// <exception cref="CheckpointMismatchException">The checkpoint does not fit the request; nothing was rendered.</exception>
    Task<VideoResult> GenerateAsync(VideoRequest request, RenderCheckpoints checkpoints, IProgress<GenerationProgress>? progress = null, CancellationToken cancellationToken = default) =>
        GenerateAsync(request, progress, cancellationToken);

    /// <summary>
    /// Starts a render as <see cref="GenerateAsync(VideoRequest, RenderCheckpoints, IProgress{GenerationProgress}?, CancellationToken)"/>
    /// does (without checkpoints when <paramref name="checkpoints"/> is null) and says when the engine can begin the next
    /// one. An engine that runs one render at a time (this default) is free once the render has ended.
    /// </summary>
    RenderInFlight Start(VideoRequest request, RenderCheckpoints? checkpoints, IProgress<GenerationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var video = checkpoints is null ? GenerateAsync(request, progress, cancellationToken) : GenerateAsync(request, checkpoints, progress, cancellationToken);
        return new RenderInFlight(video, video);
    }
}
