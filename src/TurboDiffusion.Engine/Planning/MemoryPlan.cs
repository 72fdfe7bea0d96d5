using System.Globalization;
using TurboDiffusion.Engine.Pipelines;

namespace TurboDiffusion.Engine.Planning;

/// <summary>What the device holds at a stage's peak, in bytes, and what that is made of.</summary>
public sealed record StagePeak(string Stage, long Bytes, string Holds);

/// <summary>
/// How a model set renders one video on one device, decided before anything loads: where the text encoder and the
/// experts live, whether the VAE decode is tiled, how many tokens the feed-forward runs at once, and what each stage holds at its
/// peak, and <see cref="DecodeActivationBytes"/> what its decode adds to the weights. <see cref="Fits"/> says whether
/// the largest peak is within the device's budget; <see cref="Refusal"/> says
/// what it would need otherwise.
/// </summary>
public sealed record MemoryPlan(
    ModelFootprint Footprint,
    VideoGeometry Geometry,
    long DeviceBytes,
    long BudgetBytes,
    Residency Residency,
    bool TiledDecode,
    long FeedForwardChunkTokens,
    IReadOnlyList<StagePeak> Stages,
    long PinnedHostBytes,
    long DecodeActivationBytes)
{
    public TextEncoderPlacement TextEncoder => Residency.TextEncoder;

    public long PeakBytes => Stages.Max(s => s.Bytes);

    public bool Fits => PeakBytes <= BudgetBytes;

    /// <summary>
    /// Whether this render's text encoding and denoising fit the device beside <paramref name="decoding"/>'s VAE decode
    /// (of the same model set, so the weights are counted once): the engine's test for overlapping them.
    /// </summary>
    public bool FitsBeside(MemoryPlan decoding)
    {
        ArgumentNullException.ThrowIfNull(decoding);
        return Stages.Where(s => s.Stage != MemoryPlanner.DecodingStage).Max(s => s.Bytes) + decoding.DecodeActivationBytes <= BudgetBytes;
    }

    /// <summary>Why it cannot run, naming the need and the device; null when it fits.</summary>
    public string? Refusal => Fits
        ? null
        : string.Create(CultureInfo.InvariantCulture,
            $"{Footprint.Model} at {Geometry.Width}x{Geometry.Height}x{Geometry.Frames} needs {GiB(PeakBytes)} of device memory at its largest stage ({Stages.MaxBy(s => s.Bytes)!.Stage}) even with the text encoder {Describe(TextEncoder)}{(Residency.Experts == ExpertPlacement.Swapped ? ", the experts swapped through one device copy" : "")}{(TiledDecode ? " and a tiled VAE decode" : "")}; this device has {GiB(BudgetBytes)} to give of {GiB(DeviceBytes)}.");

    /// <summary>The plan as lines for doctor and logs.</summary>
    public IEnumerable<string> Describe()
    {
        yield return string.Create(CultureInfo.InvariantCulture,
            $"{Footprint.Model}: {Footprint.Dit.Name}{(Footprint.Experts > 1 ? $" x{Footprint.Experts} experts" : "")}, {Footprint.TextEncoder.Name}, {Footprint.Vae.Name}; {Geometry.Width}x{Geometry.Height}x{Geometry.Frames} ({Geometry.Tokens:N0} tokens)");
        yield return $"DiT weights: {MemoryPlan.GiB(Footprint.DitWeightBytes)} per expert, block linears {Describe(Footprint.Linears)}";
        yield return $"text encoder: {Describe(TextEncoder)}; VAE decode: {(TiledDecode ? "tiled" : "whole frames")}; feed-forward: {FeedForwardChunkTokens:N0} tokens at a time";
        if (Footprint.Experts > 1)
        {
            yield return Residency.Experts == ExpertPlacement.Swapped
                ? $"experts: one device copy holding the active expert; all {Footprint.Experts} in pinned host memory ({GiB(PinnedHostBytes)}), the next copied in block by block during the step before the switch"
                : $"experts: all {Footprint.Experts} resident on the GPU";
        }

        foreach (var stage in Stages)
        {
            yield return $"{stage.Stage}: {GiB(stage.Bytes)} ({stage.Holds})";
        }

        yield return Fits
            ? $"fits: peak {GiB(PeakBytes)} of {GiB(BudgetBytes)} usable ({GiB(DeviceBytes)} on the device)"
            : Refusal!;
    }

    public static string GiB(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 30):0.0} GiB");

    private static string Describe(DitLinears linears) => linears switch
    {
        DitLinears.Int8 => "int8 (1 byte a weight plus a fp32 scale per 128x128 tile)",
        DitLinears.Bf16 => "bf16",
        _ => throw new ArgumentOutOfRangeException(nameof(linears), linears, "a plan holds a resolved choice, bf16 or int8"),
    };

    private static string Describe(TextEncoderPlacement placement) => placement switch
    {
        TextEncoderPlacement.Cuda => "resident on the GPU",
        TextEncoderPlacement.Offloaded => "in host memory, brought to the GPU per new prompt",
        _ => "on the CPU",
    };
}
