using System.Globalization;
using System.Reflection;
using TurboDiffusion.Engine.Media;
using TurboDiffusion.Engine.Models.WanVae;
using TurboDiffusion.Engine.Planning;
using TurboDiffusion.Engine.Runtime;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Pipelines;

/// <summary>
/// The engine a worker keeps warm: one model set resident at a time (loaded on first use, kept across requests,
/// replaced when a request names another), every call on one dedicated <see cref="EngineThread"/> in the order
/// given, the GPU when there is one and the CPU otherwise. On a GPU each request is planned before anything loads
/// (<see cref="MemoryPlanner"/>): where the text encoder and the experts live, whether the decode is tiled; a request that fits no
/// plan is refused at once with what it would need.
/// </summary>
public sealed class WarmVideoEngine : IVideoEngine
{
    /// <summary>The released models' clip length (5 s at 16 fps): the largest video a preload plans for.</summary>
    private const int LargestFrames = 81;

    private readonly EngineThread thread = new("turbo-engine");
    private readonly VaeTiling? tiling;
    private readonly TextEncoderDevice textEncoder;
    private readonly Dictionary<string, ModelFootprint> footprints = new(StringComparer.Ordinal);
    private Residency residentResidency = Residency.OnDevice;
    private bool disposed;
    private readonly DitAttentionOptions attention;
    private readonly DitLinears linears;
    private IVideoPipeline? resident;
    private string? residentKey;
    private VideoEncoderChoice encoder = VideoEncoders.Choose(new Mp4Options());
    private readonly CheckpointDigest checkpoints = new();

    /// <param name="device">Defaults to cuda:0 when CUDA is available, else the CPU.</param>
    /// <param name="tiling">Tile every VAE decode this way; when null the plan tiles only decodes that would not fit whole.</param>
    /// <param name="attention">The DiT's self-attention for every model it loads; auto when null. <see cref="ResidentModel.Attention"/> says what runs.</param>
    /// <param name="textEncoder">Where the text encoder may live (Turbo:Engine:TextEncoderDevice); the plan decides within it.</param>
    /// <param name="linears">The DiT's block linears for every model it loads (Turbo:Engine:Linears); <see cref="ResidentModel.Linears"/> says what runs.</param>
    public WarmVideoEngine(
        Device? device = null, VaeTiling? tiling = null, DitAttentionOptions? attention = null, TextEncoderDevice textEncoder = TextEncoderDevice.Auto, DitLinears linears = DitLinears.Auto)
    {
        TorchRuntime.EnsureLoaded();
        Device = device ?? (cuda.is_available() ? CUDA : CPU);
        this.tiling = tiling;
        this.attention = attention ?? DitAttentionOptions.Default;
        this.textEncoder = textEncoder;
        this.linears = linears;
    }

    public Device Device { get; }

    /// <summary>What writes this engine's videos, as its last preflight found it (ffmpeg where installed, else the built-in encoder).</summary>
    public VideoEncoderChoice Encoder => encoder;

    public EngineStatus Status
    {
        get
        {
            var gpu = Device.type == DeviceType.CUDA ? CudaDevices.List().FirstOrDefault(d => d.Index == Math.Max(0, Device.index)) : null;
            var name = gpu is null ? Device.ToString() : $"{Device} ({gpu.Name})";
            var models = resident is { } pipeline ? new[] { pipeline.Description } : [];
            return new EngineStatus(name, models, gpu is null ? 0 : gpu.TotalBytes - gpu.FreeBytes, gpu?.TotalBytes ?? 0, encoder.Name);
        }
    }

    public Task<IReadOnlyList<PreflightProblem>> PreflightAsync(PreflightRequest request, CancellationToken cancellationToken = default) =>
        thread.RunAsync<IReadOnlyList<PreflightProblem>>(() =>
        {
            // Checked anew each time: ffmpeg may have been installed or removed since the last preflight.
            var chosen = VideoEncoders.Choose(new Mp4Options());
            encoder = chosen;
            return EnginePreflight.Check(request, Device, chosen);
        }, cancellationToken);

    /// <summary>Loads <paramref name="model"/> with the text encoder where the largest video this engine makes (720P, 81 frames) would want it.</summary>
    public Task LoadAsync(string model, IProgress<GenerationProgress>? progress = null, CancellationToken cancellationToken = default) =>
        thread.RunAsync(() =>
        {
            var largest = Plan(model, imageToVideo: false, VideoGeometry.For(VideoResolution.P720, AspectRatio.Landscape16x9, LargestFrames));
            return Resident(model, imageToVideo: false, largest is { Fits: true } ? largest.Residency : Residency.OnDevice, progress);
        }, cancellationToken);

    /// <summary>Each resolution whose 16:9, 81-frame render has a plan that fits this GPU; all of them on the CPU, which has no device memory to plan.</summary>
    /// <exception cref="ModelNotFoundException">The model's files are missing.</exception>
    public Task<IReadOnlyList<VideoResolution>> ServableResolutionsAsync(string model, CancellationToken cancellationToken = default) =>
        thread.RunAsync<IReadOnlyList<VideoResolution>>(() =>
            [.. Enum.GetValues<VideoResolution>().Where(r => Plan(model, imageToVideo: false, VideoGeometry.For(r, AspectRatio.Landscape16x9, LargestFrames)) is null or { Fits: true })],
            cancellationToken);

    /// <summary>
    /// Built-in models are weights made from fixed seeds by this build's code, so the id and the engine's version say it
    /// all; a model directory is identified by its files' contents (hashed off the engine thread, once per file version).
    /// The attention and linears are the settings asked for: what "auto" resolves to follows from them and the device.
    /// </summary>
    /// <exception cref="ModelNotFoundException">The model's files are missing.</exception>
    public async Task<RenderIdentity?> IdentifyAsync(string model, CancellationToken cancellationToken = default)
    {
        var checkpoint = VideoPipelineLoader.IsUntrained(model)
            ? $"built-in {model.ToLowerInvariant()}"
            : await checkpoints.OfAsync(ModelFiles.Resolve(model), cancellationToken);
        var version = typeof(WarmVideoEngine).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? typeof(WarmVideoEngine).Assembly.GetName().Version!.ToString();
        var blocks = $"{attention.QueryBlock?.ToString(CultureInfo.InvariantCulture) ?? "default"}/{attention.KeyBlock?.ToString(CultureInfo.InvariantCulture) ?? "default"}";
        return new RenderIdentity(
            version, checkpoint, string.Create(CultureInfo.InvariantCulture, $"{attention.Mode}, top-k {attention.TopK}, blocks {blocks}"), linears.ToString(), Device.type.ToString());
    }

    /// <summary>The plan for <paramref name="model"/> at <paramref name="geometry"/> on this engine's GPU; null on the CPU.</summary>
    /// <exception cref="ModelNotFoundException">The model's files are missing.</exception>
    public Task<MemoryPlan?> PlanAsync(string model, bool imageToVideo, VideoGeometry geometry, CancellationToken cancellationToken = default) =>
        thread.RunAsync(() => Plan(model, imageToVideo, geometry), cancellationToken);

    public Task<VideoResult> GenerateAsync(VideoRequest request, IProgress<GenerationProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Generate(request, null, progress, cancellationToken);

    /// <summary>
    /// Renders with a checkpoint after every denoising step (the state copied to host memory on the engine thread, a few
    /// milliseconds for a 720P latent, then handed to <see cref="RenderCheckpoints.Save"/>), going on from
    /// <see cref="RenderCheckpoints.ResumeFrom"/> when given: the text (and image) are encoded again, the steps it holds are not run.
    /// </summary>
    public Task<VideoResult> GenerateAsync(VideoRequest request, RenderCheckpoints checkpoints, IProgress<GenerationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(checkpoints);
        return Generate(request, checkpoints, progress, cancellationToken);
    }

    private Task<VideoResult> Generate(VideoRequest request, RenderCheckpoints? checkpoints, IProgress<GenerationProgress>? progress, CancellationToken cancellationToken)
    {
        VideoRequestValidator.Validate(request);
        return thread.RunAsync(() =>
        {
            var imageToVideo = request.ImagePath is not null;
            var plan = Plan(request.Model, imageToVideo, VideoGeometry.For(request.Resolution, request.AspectRatio, request.Frames));
            if (plan is { Fits: false })
            {
                throw new PlanRefusedException(plan);
            }

            var pipeline = Resident(request.Model, imageToVideo, plan?.Residency ?? Residency.OnDevice, progress);
            if (pipeline.TakesImage != request.ImagePath is not null)
            {
                throw new ArgumentException(pipeline.TakesImage
                    ? $"{pipeline.Description.Description} is image-to-video: give a first-frame image."
                    : $"{pipeline.Description.Description} is text-to-video: an image needs an image-to-video model (Wan2.2 I2V-A14B).", nameof(request));
            }

            try
            {
                return pipeline.Generate(request, tiling ?? (plan is { TiledDecode: true } ? VaeTiling.Default : null), checkpoints, progress, cancellationToken);
            }
            catch (Exception e) when (e is FfmpegNotFoundException or FfmpegException)
            {
                throw new MachineFaultException($"the video encoder failed: {e.Message}", FfmpegNotFoundException.InstallHint, e);
            }
            catch (IOException e) when (ScratchSpace.IsDiskFull(e))
            {
                throw new MachineFaultException($"the disk is full: {e.Message}", $"free space in the folder of {request.OutputPath}.", e);
            }
        }, cancellationToken);
    }

    /// <summary>Frees the resident models on the engine thread, then stops it.</summary>
    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        thread.RunAsync(() =>
        {
            resident?.Dispose();
            resident = null;
            return true;
        }).GetAwaiter().GetResult();
        thread.Dispose();
    }

    /// <summary>
    /// The plan on this engine's GPU (null on the CPU, which has no device memory to plan). With the model already
    /// resident, its parts' places are kept when the request fits that way, so a request never reloads the model only to
    /// move them.
    /// </summary>
    private MemoryPlan? Plan(string model, bool imageToVideo, VideoGeometry geometry)
    {
        if (Device.type != DeviceType.CUDA || CudaDevices.List().FirstOrDefault(d => d.Index == Math.Max(0, Device.index)) is not { } gpu)
        {
            return null;
        }

        var key = KeyOf(model, imageToVideo);
        if (!footprints.TryGetValue(key, out var footprint))
        {
            footprint = footprints[key] = ModelFootprint.For(model, imageToVideo, linears);
        }

        // A capped allocator (a smaller card's budget, or a shared GPU) gets only its share.
        var deviceBytes = (long)(gpu.TotalBytes * (AllocatorCounters.DeviceFraction ?? 1));
        if (resident is not null && residentKey == key && MemoryPlanner.Plan(footprint, geometry, deviceBytes, [residentResidency]) is { Fits: true } kept)
        {
            return kept;
        }

        return MemoryPlanner.Plan(footprint, geometry, deviceBytes, textEncoder);
    }

    private IVideoPipeline Resident(string model, bool imageToVideo, Residency residency, IProgress<GenerationProgress>? progress)
    {
        var key = KeyOf(model, imageToVideo);
        if (resident is not null && residentKey == key && residentResidency == residency)
        {
            return resident;
        }

        resident?.Dispose();
        (resident, residentKey) = (null, null);
        var clock = new StageClock(progress);
        var loaded = clock.Run(GenerationStage.LoadingModel, 1, _ => VideoPipelineLoader.Load(model, imageToVideo, Device, residency, attention, linears));
        (resident, residentKey, residentResidency) = (loaded, key, residency);
        return loaded;
    }

    // The built-in model has a text- and an image-to-video variant; a directory is one or the other.
    private static string KeyOf(string model, bool imageToVideo) => model == VideoPipelineLoader.Tiny && imageToVideo ? $"{model} (image-to-video)" : model;
}
