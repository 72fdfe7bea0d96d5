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
/// With <see cref="DecodeOverlap"/> on (CUDA's default), a render's VAE decode and MP4 encode run on a second thread,
/// on a CUDA stream of their own, while the engine thread encodes the next prompt and denoises it: one decode at a
/// time, and beside a denoise only where the two renders' plans fit the device together (otherwise the next render
/// waits for the decode). A failure or cancel in one render's decode is that render's alone.
/// </summary>
public sealed class WarmVideoEngine : IVideoEngine
{
    /// <summary>The released models' clip length (5 s at 16 fps): the largest video a preload plans for.</summary>
    private const int LargestFrames = 81;

    private readonly EngineThread thread = new("turbo-engine");
    private readonly EngineThread? decodeThread;
    private SideStream? decodeStream;
    private Task decoding = Task.CompletedTask;
    private MemoryPlan? decodingPlan;
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
    /// <param name="overlap">Whether a render's decode runs beside the next render's denoising (Turbo:Engine:OverlapDecode).</param>
    public WarmVideoEngine(
        Device? device = null, VaeTiling? tiling = null, DitAttentionOptions? attention = null, TextEncoderDevice textEncoder = TextEncoderDevice.Auto,
        DitLinears linears = DitLinears.Auto, DecodeOverlap overlap = DecodeOverlap.Auto)
    {
        TorchRuntime.EnsureLoaded();
        Device = device ?? (cuda.is_available() ? CUDA : CPU);
        if (overlap == DecodeOverlap.On || (overlap == DecodeOverlap.Auto && Device.type == DeviceType.CUDA))
        {
            decodeThread = new EngineThread("turbo-decode");
        }

        this.tiling = tiling;
        this.attention = attention ?? DitAttentionOptions.Default;
        this.textEncoder = textEncoder;
        this.linears = linears;
    }

    public Device Device { get; }

    /// <summary>Whether a render's decode and encode run beside the next render's denoising.</summary>
    public bool OverlapsDecode => decodeThread is not null;

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
        Start(request, null, progress, cancellationToken).Video;

    /// <summary>
    /// Renders with a checkpoint after every denoising step (the state copied to host memory on the engine thread, a few
    /// milliseconds for a 720P latent, then handed to <see cref="RenderCheckpoints.Save"/>), going on from
    /// <see cref="RenderCheckpoints.ResumeFrom"/> when given: the text (and image) are encoded again, the steps it holds are not run.
    /// </summary>
    public Task<VideoResult> GenerateAsync(VideoRequest request, RenderCheckpoints checkpoints, IProgress<GenerationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(checkpoints);
        return Start(request, checkpoints, progress, cancellationToken).Video;
    }

    /// <summary>
    /// Starts a render. With the decode overlapped, <see cref="RenderInFlight.EngineFree"/> completes once its denoising
    /// is done and its decode handed to the decode thread; otherwise once it has ended.
    /// </summary>
    public RenderInFlight Start(VideoRequest request, RenderCheckpoints? checkpoints, IProgress<GenerationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        VideoRequestValidator.Validate(request);
        var denoised = thread.RunAsync(() => Render(request, checkpoints, progress, cancellationToken), cancellationToken);
        return new RenderInFlight(denoised, denoised.Unwrap());
    }

    /// <summary>
    /// On the engine thread: plans, loads, encodes and denoises; then decodes in turn, or hands the decode to the decode
    /// thread and returns at once. The task returned completes with the video.
    /// </summary>
    private Task<VideoResult> Render(VideoRequest request, RenderCheckpoints? checkpoints, IProgress<GenerationProgress>? progress, CancellationToken cancellationToken)
    {
        var imageToVideo = request.ImagePath is not null;
        var plan = Plan(request.Model, imageToVideo, VideoGeometry.For(request.Resolution, request.AspectRatio, request.Frames));
        if (plan is { Fits: false })
        {
            throw new PlanRefusedException(plan);
        }

        if (plan is not null && decodingPlan is not null && !plan.FitsBeside(decodingPlan))
        {
            AwaitDecode(cancellationToken);
        }

        var pipeline = Resident(request.Model, imageToVideo, plan?.Residency ?? Residency.OnDevice, progress);
        if (pipeline.TakesImage != request.ImagePath is not null)
        {
            throw new ArgumentException(pipeline.TakesImage
                ? $"{pipeline.Description.Description} is image-to-video: give a first-frame image."
                : $"{pipeline.Description.Description} is text-to-video: an image needs an image-to-video model (Wan2.2 I2V-A14B).", nameof(request));
        }

        var decodeTiling = tiling ?? (plan is { TiledDecode: true } ? VaeTiling.Default : null);
        var clock = new StageClock(progress, resetPeaks: decodeThread is null);
        var denoised = AsMachineFault(request, () => pipeline.DenoiseVideo(request, checkpoints, clock, cancellationToken));
        if (decodeThread is null)
        {
            using (denoised)
            {
                return Task.FromResult(AsMachineFault(request, () => pipeline.DecodeVideo(denoised, decodeTiling, cancellationToken)));
            }
        }

        // One decode at a time: a second render's latents wait here rather than in a queue of them; a cancel (a drain
        // handing the job back) ends the wait. Once handed over, the decode always runs, even for a render canceled
        // meanwhile: it frees the latents and sees the cancel at its first chunk.
        try
        {
            AwaitDecode(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            denoised.Dispose();
            throw;
        }

        var decode = decodeThread.RunAsync(() =>
        {
            using (denoised)
            {
                return AsMachineFault(request, () => DecodeOnSideStream(pipeline, denoised, decodeTiling, cancellationToken));
            }
        }, CancellationToken.None);
        (decoding, decodingPlan) = (decode, plan);
        return decode;
    }

    /// <summary>
    /// On the decode thread: the decode's kernels go to a stream of their own, after the denoise that made its latents
    /// (the side stream waits for what the default stream had queued), and run beside the next denoise.
    /// </summary>
    private VideoResult DecodeOnSideStream(IVideoPipeline pipeline, DenoisedVideo denoised, VaeTiling? decodeTiling, CancellationToken cancellationToken)
    {
        if (Device.type == DeviceType.CUDA)
        {
            decodeStream ??= AllocatorCounters.OpenSideStream(Math.Max(0, (int)Device.index));
        }

        if (decodeStream is not { } stream)
        {
            return pipeline.DecodeVideo(denoised, decodeTiling, cancellationToken);
        }

        VideoResult? result = null;
        stream.Enqueue(() => result = pipeline.DecodeVideo(denoised, decodeTiling, cancellationToken));
        return result!;
    }

    /// <summary>
    /// On the engine thread: waits for the decode last handed off to end, however it ends (that is its own render's
    /// outcome), or for <paramref name="cancellationToken"/>, which throws.
    /// </summary>
    private void AwaitDecode(CancellationToken cancellationToken = default) => Task.WhenAny(decoding).Wait(cancellationToken);

    /// <summary>Runs a half of a render, reporting the machine's faults (encoder, full disk) as such rather than as the job's.</summary>
    private static T AsMachineFault<T>(VideoRequest request, Func<T> half)
    {
        try
        {
            return half();
        }
        catch (Exception e) when (e is FfmpegNotFoundException or FfmpegException)
        {
            throw new MachineFaultException($"the video encoder failed: {e.Message}", FfmpegNotFoundException.InstallHint, e);
        }
        catch (IOException e) when (ScratchSpace.IsDiskFull(e))
        {
            throw new MachineFaultException($"the disk is full: {e.Message}", $"free space in the folder of {request.OutputPath}.", e);
        }
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
            AwaitDecode();
            resident?.Dispose();
            resident = null;
            return true;
        }).GetAwaiter().GetResult();
        thread.Dispose();
        if (decodeThread is not null)
        {
            decodeThread.RunAsync(() =>
            {
                decodeStream?.Dispose();
                return true;
            }).GetAwaiter().GetResult();
            decodeThread.Dispose();
        }
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

        // The decode under way uses the resident VAE: it ends before the model set goes.
        AwaitDecode();
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
