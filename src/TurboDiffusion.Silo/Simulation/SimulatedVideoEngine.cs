using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using TurboDiffusion.Engine;

namespace TurboDiffusion.Silo.Simulation;

/// <summary>What the simulated engine does with one request.</summary>
public enum SimulatedBehavior
{
    Succeed,

    /// <summary>Throws as an engine bug would (counts against the job's retries).</summary>
    Fail,

    /// <summary>Throws as the engine does for a model that does not exist: the job's own fault, never the worker's.</summary>
    MissingModel,

    /// <summary>Throws as libtorch does when a CUDA allocation fails ("CUDA out of memory"): an infrastructure failure.</summary>
    OutOfMemory,

    /// <summary>Stops reporting and waits until canceled, as a stuck decode would.</summary>
    Hang,
}

/// <summary>How the simulated engine's encoder breaks, as a worker's machine would.</summary>
public enum SimulatedEncoderFault
{
    None,

    /// <summary>Every video write fails, and so does the preflight's test encode (a missing or broken encoder).</summary>
    Always,

    /// <summary>Video writes fail but the preflight's tiny test encode passes (an encoder that crashes on real frames).</summary>
    DuringJobs,
}

/// <summary>
/// An <see cref="IVideoEngine"/> without a GPU, for farm benchmarks and tests: it "loads" models, walks the stages
/// with per-step progress and honours cancellation between steps like the real engine, and writes a small
/// placeholder file in place of the MP4 plus a JSON sidecar. Timings and behaviour per request are configurable.
/// </summary>
public sealed class SimulatedVideoEngine : IVideoEngine
{
    public const long ModelBytes = 2L << 30;

    private readonly ConcurrentDictionary<string, ResidentModel> resident = new(StringComparer.Ordinal);
    private readonly List<int> resumes = [];
    private int generations;
    private int preflights;
    private int loads;

    /// <summary>Time to load a model that is not resident, unless <see cref="LoadTimes"/> names the model.</summary>
    public TimeSpan LoadTime { get; init; } = TimeSpan.Zero;

    /// <summary>Model id → time to load it when not resident, for a fleet whose models differ in size.</summary>
    public IReadOnlyDictionary<string, TimeSpan> LoadTimes { get; init; } = new Dictionary<string, TimeSpan>();

    /// <summary>Time per sampler step.</summary>
    public TimeSpan StepTime { get; init; } = TimeSpan.Zero;

    /// <summary>Time to decode a video after the steps (a Decoding stage where positive).</summary>
    public TimeSpan DecodeTime { get; init; } = TimeSpan.Zero;

    /// <summary>
    /// Be free for the next render once a render's steps are done, as the real engine is with Turbo:Engine:OverlapDecode
    /// (<see cref="Start"/>'s <see cref="RenderInFlight.EngineFree"/>): the decode and write go on beside it.
    /// </summary>
    public bool OverlapDecode { get; init; }

    /// <summary>Device memory reported as total.</summary>
    public long DeviceBytesTotal { get; init; } = 80L << 30;

    /// <summary>The resolutions each model can be rendered at, as a device's memory plan would allow; every resolution of every model when null.</summary>
    public Func<string, IReadOnlyList<VideoResolution>>? Servable { get; init; }

    /// <summary>Models kept resident at most; loading another evicts the oldest.</summary>
    public int MaxResidentModels { get; init; } = 2;

    /// <summary>Decides per request (with the 1-based count of generations so far) how it goes; default: always succeed.</summary>
    public Func<VideoRequest, int, SimulatedBehavior> Behavior { get; init; } = (_, _) => SimulatedBehavior.Succeed;

    public string Device { get; init; } = "simulated (no GPU)";

    /// <summary>The encoder as it reports itself.</summary>
    public string Encoder { get; init; } = "simulated (placeholder files)";

    /// <summary>Makes this engine's encoder fail, as a worker's machine does.</summary>
    public SimulatedEncoderFault EncoderFault { get; init; } = SimulatedEncoderFault.None;

    /// <summary>Preflights run so far.</summary>
    public int Preflights => preflights;

    /// <summary>
    /// The self-attention setting this engine reports in its render identity: engines that differ in it never share
    /// renders. A real engine's is its Turbo:Engine:Attention setting.
    /// </summary>
    public string Attention { get; init; } = "simulated";

    /// <summary>Generations started so far.</summary>
    public int Generations => generations;

    /// <summary>Models loaded so far (a model already resident is not loaded again).</summary>
    public int Loads => loads;

    public EngineStatus Status
    {
        get
        {
            var models = resident.Values.ToList();
            return new EngineStatus(Device, models, models.Sum(m => m.Bytes), DeviceBytesTotal, Encoder);
        }
    }

    public Task<IReadOnlyList<PreflightProblem>> PreflightAsync(PreflightRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        Interlocked.Increment(ref preflights);
        IReadOnlyList<PreflightProblem> problems = EncoderFault == SimulatedEncoderFault.Always
            ? [new PreflightProblem("encoder", $"the {Encoder} encoder failed its test encode (simulated).", "repair or reinstall the encoder.")]
            : [];
        return Task.FromResult(problems);
    }

    public async Task LoadAsync(string model, IProgress<GenerationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        if (resident.ContainsKey(model))
        {
            return;
        }

        var clock = Stopwatch.StartNew();
        progress?.Report(new GenerationProgress(GenerationStage.LoadingModel, 0, 1, clock.Elapsed));
        await Delay(LoadTimes.TryGetValue(model, out var time) ? time : LoadTime, cancellationToken);
        Interlocked.Increment(ref loads);
        while (resident.Count >= MaxResidentModels)
        {
            resident.TryRemove(resident.Keys.First(), out _);
        }

        resident[model] = new ResidentModel(model, $"simulated {model}", ModelBytes);
        progress?.Report(new GenerationProgress(GenerationStage.LoadingModel, 1, 1, clock.Elapsed));
    }

    /// <summary>The simulated weights are a name, so the model id is the checkpoint; the assembly's version is the engine's.</summary>
    public Task<RenderIdentity?> IdentifyAsync(string model, CancellationToken cancellationToken = default) =>
        Task.FromResult<RenderIdentity?>(new RenderIdentity(
            $"simulated {typeof(SimulatedVideoEngine).Assembly.GetName().Version}", $"simulated {model}", Attention, "simulated", "none"));

    public Task<IReadOnlyList<VideoResolution>> ServableResolutionsAsync(string model, CancellationToken cancellationToken = default) =>
        Task.FromResult(Servable?.Invoke(model) ?? Enum.GetValues<VideoResolution>());

    public Task<VideoResult> GenerateAsync(VideoRequest request, IProgress<GenerationProgress>? progress = null, CancellationToken cancellationToken = default) =>
        RenderAsync(request, null, progress, null, cancellationToken);

    /// <summary>
    /// Saves a simulated checkpoint after every step: its latent and generator state are digests of the request and
    /// the step, so a resume is checked as the real engine's would be bit-identical: a checkpoint whose latent is not
    /// this request's at that step is refused with <see cref="CheckpointMismatchException"/>.
    /// </summary>
    public Task<VideoResult> GenerateAsync(VideoRequest request, RenderCheckpoints checkpoints, IProgress<GenerationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(checkpoints);
        return RenderAsync(request, checkpoints, progress, null, cancellationToken);
    }

    public RenderInFlight Start(VideoRequest request, RenderCheckpoints? checkpoints, IProgress<GenerationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        if (!OverlapDecode)
        {
            var whole = RenderAsync(request, checkpoints, progress, null, cancellationToken);
            return new RenderInFlight(whole, whole);
        }

        var denoised = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var video = RenderAsync(request, checkpoints, progress, denoised, cancellationToken);
        // A render that ends before its steps are done ends EngineFree the same way.
        video.ContinueWith(
            ended =>
            {
                if (ended.Exception is { } error)
                {
                    denoised.TrySetException(error.InnerExceptions);
                }
                else if (ended.IsCanceled)
                {
                    denoised.TrySetCanceled(cancellationToken);
                }
            },
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return new RenderInFlight(denoised.Task, video);
    }

    /// <summary>The steps done of each checkpoint a render went on from, in the order of the renders.</summary>
    public IReadOnlyList<int> ResumedAt
    {
        get
        {
            lock (resumes)
            {
                return [.. resumes];
            }
        }
    }

    /// <summary>The simulated sampler state of <paramref name="request"/> after <paramref name="stepsDone"/> steps: a digest of what decides it.</summary>
    public static byte[] Latent(VideoRequest request, int stepsDone)
    {
        ArgumentNullException.ThrowIfNull(request);
        return SHA256.HashData(Encoding.UTF8.GetBytes($"latent|{request.Model}|{request.Prompt}|{request.Seed}|{request.Steps}|{request.Frames}|{stepsDone}"));
    }

    /// <param name="denoised">Completed once the steps are done, where the engine is then free for the next render.</param>
    private async Task<VideoResult> RenderAsync(
        VideoRequest request, RenderCheckpoints? checkpoints, IProgress<GenerationProgress>? progress, TaskCompletionSource? denoised, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var resumeFrom = checkpoints?.ResumeFrom;
        if (resumeFrom is not null && (resumeFrom.StepCount != request.Steps || !resumeFrom.Latent.Span.SequenceEqual(Latent(request, resumeFrom.StepsDone))))
        {
            throw new CheckpointMismatchException($"The step checkpoint does not fit this render: it is not this request's state after step {resumeFrom.StepsDone} (simulated).");
        }

        if (resumeFrom is not null)
        {
            lock (resumes)
            {
                resumes.Add(resumeFrom.StepsDone);
            }
        }
        var count = Interlocked.Increment(ref generations);
        var behavior = Behavior(request, count);
        var timings = new Dictionary<GenerationStage, TimeSpan>();
        var clock = Stopwatch.StartNew();

        var stage = Stopwatch.StartNew();
        await LoadAsync(request.Model, progress, cancellationToken);
        timings[GenerationStage.LoadingModel] = stage.Elapsed;

        stage.Restart();
        progress?.Report(new GenerationProgress(GenerationStage.EncodingText, 1, 1, clock.Elapsed));
        timings[GenerationStage.EncodingText] = stage.Elapsed;

        stage.Restart();
        for (var step = (resumeFrom?.StepsDone ?? 0) + 1; step <= request.Steps; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await Delay(StepTime, cancellationToken);
            checkpoints?.Save(new DenoiseCheckpoint(
                step, request.Steps, null, [1, Latent(request, step).Length], Latent(request, step), Latent(request, -step), (resumeFrom?.DenoiseSeconds ?? 0) + stage.Elapsed.TotalSeconds));
            progress?.Report(new GenerationProgress(GenerationStage.Denoising, step, request.Steps, clock.Elapsed));
            if (step == 1)
            {
                await Misbehave(behavior, request, cancellationToken);
            }
        }

        timings[GenerationStage.Denoising] = stage.Elapsed;
        denoised?.TrySetResult();

        if (DecodeTime > TimeSpan.Zero)
        {
            stage.Restart();
            progress?.Report(new GenerationProgress(GenerationStage.Decoding, 0, 1, clock.Elapsed));
            await Task.Delay(DecodeTime, cancellationToken);
            progress?.Report(new GenerationProgress(GenerationStage.Decoding, 1, 1, clock.Elapsed));
            timings[GenerationStage.Decoding] = stage.Elapsed;
        }

        stage.Restart();
        progress?.Report(new GenerationProgress(GenerationStage.Writing, 0, 1, clock.Elapsed));
        if (EncoderFault != SimulatedEncoderFault.None)
        {
            throw new MachineFaultException($"the {Encoder} encoder crashed writing {request.OutputPath} (simulated).", "repair or reinstall the encoder.");
        }

        var (width, height) = Size(request);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(request.OutputPath))!);
        await File.WriteAllTextAsync(request.OutputPath, $"simulated video: {request.Prompt} (seed {request.Seed}, {request.Frames} frames, {width}x{height})", cancellationToken);
        var sidecar = Path.ChangeExtension(request.OutputPath, ".json");
        await File.WriteAllTextAsync(sidecar, JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["prompt"] = request.Prompt,
            ["model"] = request.Model,
            ["seed"] = request.Seed,
            ["frames"] = request.Frames,
            ["steps"] = request.Steps,
            ["width"] = width,
            ["height"] = height,
            ["simulated"] = true,
        }), cancellationToken);
        string? framesDirectory = null;
        if (request.WriteFrames)
        {
            framesDirectory = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(request.OutputPath))!, "frames");
            Directory.CreateDirectory(framesDirectory);
            for (var frame = 0; frame < request.Frames; frame++)
            {
                await File.WriteAllBytesAsync(Path.Combine(framesDirectory, $"{frame:D5}.png"), [0x89, (byte)'P', (byte)'N', (byte)'G'], cancellationToken);
            }
        }

        progress?.Report(new GenerationProgress(GenerationStage.Writing, 1, 1, clock.Elapsed));
        timings[GenerationStage.Writing] = stage.Elapsed;
        return new VideoResult(
            request.OutputPath, sidecar, framesDirectory, width, height, request.Frames, timings,
            Resumed: resumeFrom is null ? null : new ResumedRender(resumeFrom.StepsDone, resumeFrom.DenoiseSeconds));
    }

    public void Dispose() => resident.Clear();

    private static async Task Misbehave(SimulatedBehavior behavior, VideoRequest request, CancellationToken cancellationToken)
    {
        switch (behavior)
        {
            case SimulatedBehavior.Fail:
                throw new InvalidOperationException($"simulated engine error rendering '{request.Prompt}'");
            case SimulatedBehavior.MissingModel:
                throw new JobInputException($"Model directory '{request.Model}' does not exist (simulated).");
            case SimulatedBehavior.OutOfMemory:
                throw new InvalidOperationException("simulated CUDA out of memory. Tried to allocate 2.00 GiB");
            case SimulatedBehavior.Hang:
                await Task.Delay(Timeout.Infinite, cancellationToken);
                break;
            case SimulatedBehavior.Succeed:
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(behavior), behavior, "unknown simulated behavior");
        }
    }

    private static Task Delay(TimeSpan time, CancellationToken cancellationToken) =>
        time > TimeSpan.Zero ? Task.Delay(time, cancellationToken) : Task.CompletedTask;

    private static (int Width, int Height) Size(VideoRequest request)
    {
        var shortSide = request.Resolution switch { VideoResolution.P720 => 720, VideoResolution.P144 => 144, _ => 480 };
        return request.AspectRatio switch
        {
            AspectRatio.Landscape16x9 => (shortSide * 16 / 9, shortSide),
            AspectRatio.Portrait9x16 => (shortSide, shortSide * 16 / 9),
            AspectRatio.Landscape4x3 => (shortSide * 4 / 3, shortSide),
            AspectRatio.Portrait3x4 => (shortSide, shortSide * 4 / 3),
            _ => (shortSide, shortSide),
        };
    }
}
