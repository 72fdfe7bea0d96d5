using TurboDiffusion.Engine.Media;
using TurboDiffusion.Engine.Models.WanVae;
using TurboDiffusion.Engine.Runtime;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Pipelines;

/// <summary>
/// The engine a worker keeps warm: one model set resident at a time (loaded on first use, kept across requests,
/// replaced when a request names another), every call on one dedicated <see cref="EngineThread"/> in the order
/// given, the GPU when there is one and the CPU otherwise.
/// </summary>
public sealed class WarmVideoEngine : IVideoEngine
{
    private readonly EngineThread thread = new("turbo-engine");
    private readonly VaeTiling? tiling;
    private bool disposed;
    private readonly DitAttentionOptions attention;
    private IVideoPipeline? resident;
    private string? residentKey;
    private VideoEncoderChoice encoder = VideoEncoders.Choose(new Mp4Options());

    /// <param name="device">Defaults to cuda:0 when CUDA is available, else the CPU.</param>
    /// <param name="tiling">Spatially tiled VAE decode, to fit 720P decodes into smaller cards.</param>
    /// <param name="attention">The DiT's self-attention for every model it loads; auto when null. <see cref="ResidentModel.Attention"/> says what runs.</param>
    public WarmVideoEngine(Device? device = null, VaeTiling? tiling = null, DitAttentionOptions? attention = null)
    {
        TorchRuntime.EnsureLoaded();
        Device = device ?? (cuda.is_available() ? CUDA : CPU);
        this.tiling = tiling;
        this.attention = attention ?? DitAttentionOptions.Default;
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

    public Task LoadAsync(string model, IProgress<GenerationProgress>? progress = null, CancellationToken cancellationToken = default) =>
        thread.RunAsync(() => Resident(model, imageToVideo: false, progress), cancellationToken);

    public Task<VideoResult> GenerateAsync(VideoRequest request, IProgress<GenerationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        VideoRequestValidator.Validate(request);
        return thread.RunAsync(() =>
        {
            var pipeline = Resident(request.Model, request.ImagePath is not null, progress);
            if (pipeline.TakesImage != request.ImagePath is not null)
            {
                throw new ArgumentException(pipeline.TakesImage
                    ? $"{pipeline.Description.Description} is image-to-video: give a first-frame image."
                    : $"{pipeline.Description.Description} is text-to-video: an image needs an image-to-video model (Wan2.2 I2V-A14B).", nameof(request));
            }

            try
            {
                return pipeline.Generate(request, progress, cancellationToken);
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

    private IVideoPipeline Resident(string model, bool imageToVideo, IProgress<GenerationProgress>? progress)
    {
        // The built-in model has a text- and an image-to-video variant; a directory is one or the other.
        var key = model == VideoPipelineLoader.Tiny && imageToVideo ? $"{model} (image-to-video)" : model;
        if (resident is not null && residentKey == key)
        {
            return resident;
        }

        resident?.Dispose();
        (resident, residentKey) = (null, null);
        var clock = new StageClock(progress);
        var loaded = clock.Run(GenerationStage.LoadingModel, 1, _ => VideoPipelineLoader.Load(model, imageToVideo, Device, tiling, attention));
        (resident, residentKey) = (loaded, key);
        return loaded;
    }
}
