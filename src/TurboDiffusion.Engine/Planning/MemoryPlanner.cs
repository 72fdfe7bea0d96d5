using TurboDiffusion.Engine.Models.Umt5;
using TurboDiffusion.Engine.Models.Wan;
using TurboDiffusion.Engine.Models.WanVae;
using TurboDiffusion.Engine.Pipelines;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Planning;

/// <summary>
/// Plans a render's device memory from the architectures and the video size alone, in bf16 on CUDA. The per-stage
/// costs are estimates calibrated on measured peaks (docs/benchmarks.md, "DiT memory"), rounded up; the budget keeps
/// room for the CUDA context, library workspaces and the allocator's fragmentation. The plan tries, in order: the
/// text encoder resident, then offloaded, then on the CPU (only those the setting allows); for each, a model set with
/// several experts first keeps them all resident, then swaps them through one device copy; for each of those, whole-frame
/// decode, then tiled. It takes the first that fits.
/// </summary>
public static class MemoryPlanner
{
    /// <summary>Device bytes a DiT forward adds per token and model dimension, beyond its feed-forward runs (measured 17.3 to 17.7 on an H100).</summary>
    public const double DitBytesPerTokenDim = 18;

    /// <summary>
    /// Device bytes a VAE decode needs per output pixel of the window it decodes at once (frame caches and a chunk's
    /// activations): a 720P tiled decode grew the device's use by 8.4 GiB on an H200 (docs/benchmarks.md), which this
    /// rounds up to.
    /// </summary>
    public const double DecodeBytesPerPixel = 20_000;

    /// <summary>The name of the decode's stage in a plan's <see cref="MemoryPlan.Stages"/>.</summary>
    public const string DecodingStage = "decoding";

    /// <summary>What the CUDA context, cuBLAS/cuDNN workspaces and the caching allocator's slack take beside the tensors.</summary>
    public const long ReservedBytes = 3L << 30;

    /// <summary>An encode's activations: small beside the weights for 512 tokens.</summary>
    private const long TextActivationBytes = 512L << 20;

    private const int Bf16 = 2;

    private static readonly TextEncoderPlacement[] OnlyCuda = [TextEncoderPlacement.Cuda];
    private static readonly TextEncoderPlacement[] OnlyCpu = [TextEncoderPlacement.Cpu];
    private static readonly TextEncoderPlacement[] AnyPlacement = [TextEncoderPlacement.Cuda, TextEncoderPlacement.Offloaded, TextEncoderPlacement.Cpu];
    private static readonly ExpertPlacement[] ExpertChoices = [ExpertPlacement.Resident, ExpertPlacement.Swapped];

    /// <summary>Whole-frame decode first (less work), tiled when that does not fit.</summary>
    private static readonly bool[] DecodeChoices = [false, true];

    public static MemoryPlan Plan(ModelFootprint footprint, VideoGeometry geometry, long deviceBytes, TextEncoderDevice setting = TextEncoderDevice.Auto)
    {
        ArgumentNullException.ThrowIfNull(footprint);
        var texts = setting switch
        {
            TextEncoderDevice.Cuda => OnlyCuda,
            TextEncoderDevice.Cpu => OnlyCpu,
            _ => AnyPlacement,
        };
        var experts = footprint.Experts > 1 ? ExpertChoices : [ExpertPlacement.Resident];
        return Plan(footprint, geometry, deviceBytes, [.. texts.SelectMany(text => experts.Select(e => new Residency(text, e)))]);
    }

    /// <summary>As the setting-driven overload, choosing among <paramref name="residencies"/> in their order.</summary>
    public static MemoryPlan Plan(ModelFootprint footprint, VideoGeometry geometry, long deviceBytes, IReadOnlyList<Residency> residencies)
    {
        ArgumentNullException.ThrowIfNull(footprint);
        ArgumentNullException.ThrowIfNull(geometry);
        ArgumentNullException.ThrowIfNull(residencies);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(deviceBytes);
        ArgumentOutOfRangeException.ThrowIfZero(residencies.Count);
        var budget = Math.Max(0, deviceBytes - ReservedBytes);
        var plans = residencies.SelectMany(r => DecodeChoices.Select(tiled => Build(footprint, geometry, deviceBytes, budget, r, tiled))).ToList();
        return plans.FirstOrDefault(p => p.Fits) ?? plans.MinBy(p => p.PeakBytes)!;
    }

    private static MemoryPlan Build(ModelFootprint footprint, VideoGeometry geometry, long deviceBytes, long budget, Residency residency, bool tiled)
    {
        var dit = footprint.Dit;
        var text = residency.TextEncoder;
        var expertWeights = footprint.DitWeightBytes;
        var swapped = footprint.Experts > 1 && residency.Experts == ExpertPlacement.Swapped;
        var ditWeights = (expertWeights * (swapped ? 1 : footprint.Experts)) + (footprint.Experts * ContextBytes(dit));
        var textWeights = Umt5Parameters(footprint.TextEncoder) * Bf16;
        var vaeWeights = WanVaeTensorCatalog.ParameterCount(footprint.Vae) * Bf16;
        var chunk = FeedForwardChunking.Tokens(dit, ScalarType.BFloat16);
        var ditActivations = (long)(geometry.Tokens * dit.Dim * DitBytesPerTokenDim) + (2 * Math.Min(chunk, geometry.Tokens) * dit.FfnDim * Bf16);
        var decodeActivations = DecodeBytes(geometry, tiled);
        var residentText = text == TextEncoderPlacement.Cuda ? textWeights : 0;
        var stages = new List<StagePeak>
        {
            new("text encoding", ditWeights + vaeWeights + (text == TextEncoderPlacement.Cpu ? 0 : textWeights + TextActivationBytes),
                $"DiT {MemoryPlan.GiB(ditWeights)}, VAE {MemoryPlan.GiB(vaeWeights)}{(text == TextEncoderPlacement.Cpu ? "" : $", text encoder {MemoryPlan.GiB(textWeights)} and its activations")}"),
            new("denoising", ditWeights + vaeWeights + residentText + ditActivations,
                $"DiT {MemoryPlan.GiB(ditWeights)}, forward activations {MemoryPlan.GiB(ditActivations)}{Resident(residentText)}"),
            new(DecodingStage, ditWeights + vaeWeights + residentText + decodeActivations,
                $"DiT {MemoryPlan.GiB(ditWeights)}, VAE decode {MemoryPlan.GiB(decodeActivations)}{(tiled ? " tiled" : "")}{Resident(residentText)}"),
        };
        var hostBytes = swapped ? expertWeights * footprint.Experts : 0;
        return new MemoryPlan(footprint, geometry, deviceBytes, budget, residency with { Experts = swapped ? ExpertPlacement.Swapped : ExpertPlacement.Resident }, tiled, chunk, stages, hostBytes, decodeActivations);
    }

    private static string Resident(long textWeights) => textWeights > 0 ? $", text encoder {MemoryPlan.GiB(textWeights)}" : "";

    /// <summary>The embedded prompt, kept for all steps (each block projects its keys and values from it as it runs).</summary>
    private static long ContextBytes(WanConfig dit) => (long)dit.TextLen * dit.Dim * Bf16;

    /// <summary>The decoded video in fp32 plus the window decoded at once: the whole frame, or one tile with its halo.</summary>
    private static long DecodeBytes(VideoGeometry geometry, bool tiled)
    {
        var video = 4L * 3 * geometry.Frames * geometry.Width * geometry.Height;
        var tile = VaeTiling.Default;
        var window = tiled
            ? (long)Math.Min(geometry.Width, (tile.Tile + (2 * tile.Halo)) * 8) * Math.Min(geometry.Height, (tile.Tile + (2 * tile.Halo)) * 8)
            : (long)geometry.Width * geometry.Height;
        return video + (long)(window * DecodeBytesPerPixel);
    }

    private static long Umt5Parameters(Umt5Config config) => Models.Weights.WeightCatalog.ParameterCount(Umt5TensorCatalog.Tensors(config, ScalarType.BFloat16));
}
