using TurboDiffusion.Engine.Checkpoints;
using TurboDiffusion.Engine.Models.Wan;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Pipelines;

/// <summary>
/// A DiT about to load: its checkpoint open (headers only), its architecture known, its <see cref="KernelPlan"/>
/// decided (<see cref="DitAttention"/>) and its block linears chosen (<see cref="DitLinears"/>; int8 runs the DiT at
/// <see cref="WanPrecision.W8A8"/> whatever the device's precision, since W8A8 quantizes bf16 activations). The pipelines
/// prepare their DiTs before the text encoder and VAE load, so an attention the checkpoint or the machine cannot run fails
/// at once rather than after minutes of loading.
/// </summary>
internal sealed class PreparedDit : IDisposable
{
    private readonly WanCheckpoint checkpoint;
    private readonly ITensorReader reader;
    private readonly WanPrecision precision;
    private readonly Device device;

    private PreparedDit(WanCheckpoint checkpoint, WanConfig config, DitAttentionOptions attention, DitLinears linears, WanPrecision precision, Device device)
    {
        Linears = DitLinearsChoice.Resolve(linears, checkpoint.Layout);
        precision = Linears == DitLinears.Int8 ? WanPrecision.W8A8 : precision;
        KernelPlan = DitAttention.Plan(attention, checkpoint, config, precision, device);
        reader = Linears == DitLinears.Int8 && checkpoint.Layout != WanCheckpointLayout.TurboQuantized
            ? QuantizingTensorReader.Over(checkpoint, config)
            : checkpoint;
        (this.checkpoint, Config, this.precision, this.device) = (checkpoint, config, precision, device);
    }

    public WanConfig Config { get; }

    public KernelPlan KernelPlan { get; }

    /// <summary>How the block linears run: <see cref="DitLinears.Bf16"/> or <see cref="DitLinears.Int8"/>.</summary>
    public DitLinears Linears { get; }

    /// <summary>The checkpoint under the official key names, with int8 weights where the linears are int8, as <see cref="Load"/> reads it.</summary>
    public ITensorReader Reader => reader;

    /// <summary>The linears as chosen for this checkpoint (<see cref="DitLinearsChoice.Describe"/>).</summary>
    public string DescribeLinears() => DitLinearsChoice.Describe(Linears, checkpoint.Layout);

    /// <summary>A checkpoint file of any <see cref="WanCheckpointLayout"/>; the architecture is read from its shapes.</summary>
    public static PreparedDit Open(string path, DitAttentionOptions attention, DitLinears linears, WanPrecision precision, Device device) =>
        Prepare(WanCheckpoint.Open(path), null, attention, linears, precision, device);

    /// <summary>Deterministic random weights (<see cref="RandomWanWeights"/>) in the compute dtype; they hold no proj_l.</summary>
    public static PreparedDit Random(WanConfig config, long seed, DitAttentionOptions attention, DitLinears linears, WanPrecision precision, Device device) =>
        Prepare(WanCheckpoint.Over(new RandomWanWeights(config, seed, precision.Compute, device)), config, attention, linears, precision, device);

    public WanModel Load() => WanModel.Load(reader, Config, precision, device, DitAttention.SelfAttention(KernelPlan, checkpoint, precision, device), KernelPlan);

    public void Dispose()
    {
        if (!ReferenceEquals(reader, checkpoint))
        {
            reader.Dispose();
        }

        checkpoint.Dispose();
    }

    private static PreparedDit Prepare(WanCheckpoint checkpoint, WanConfig? config, DitAttentionOptions attention, DitLinears linears, WanPrecision precision, Device device)
    {
        try
        {
            return new PreparedDit(checkpoint, config ?? WanConfigDetector.Detect(checkpoint), attention, linears, precision, device);
        }
        catch
        {
            checkpoint.Dispose();
            throw;
        }
    }
}
