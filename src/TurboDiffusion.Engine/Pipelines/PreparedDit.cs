using TurboDiffusion.Engine.Checkpoints;
using TurboDiffusion.Engine.Models.Wan;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Pipelines;

/// <summary>
/// A DiT about to load: its checkpoint open (headers only), its architecture known and its <see cref="KernelPlan"/>
/// decided (<see cref="DitAttention"/>). The pipelines prepare their DiTs before the text encoder and VAE load, so an attention
/// the checkpoint or the machine cannot run fails at once rather than after minutes of loading.
/// </summary>
internal sealed class PreparedDit : IDisposable
{
    private readonly WanCheckpoint checkpoint;
    private readonly WanPrecision precision;
    private readonly Device device;

    private PreparedDit(WanCheckpoint checkpoint, WanConfig config, DitAttentionOptions attention, WanPrecision precision, Device device)
    {
        KernelPlan = DitAttention.Plan(attention, checkpoint, config, precision, device);
        (this.checkpoint, Config, this.precision, this.device) = (checkpoint, config, precision, device);
    }

    public WanConfig Config { get; }

    public KernelPlan KernelPlan { get; }

    /// <summary>The checkpoint under the official key names, as <see cref="Load"/> reads it.</summary>
    public ITensorReader Reader => checkpoint;

    /// <summary>A checkpoint file of any <see cref="WanCheckpointLayout"/>; the architecture is read from its shapes.</summary>
    public static PreparedDit Open(string path, DitAttentionOptions attention, WanPrecision precision, Device device) =>
        Prepare(WanCheckpoint.Open(path), null, attention, precision, device);

    /// <summary>Deterministic random weights (<see cref="RandomWanWeights"/>) in the compute dtype; they hold no proj_l.</summary>
    public static PreparedDit Random(WanConfig config, long seed, DitAttentionOptions attention, WanPrecision precision, Device device) =>
        Prepare(WanCheckpoint.Over(new RandomWanWeights(config, seed, precision.Compute, device)), config, attention, precision, device);

    public WanModel Load() => WanModel.Load(checkpoint, Config, precision, device, DitAttention.SelfAttention(KernelPlan, checkpoint, precision, device), KernelPlan);

    public void Dispose() => checkpoint.Dispose();

    private static PreparedDit Prepare(WanCheckpoint checkpoint, WanConfig? config, DitAttentionOptions attention, WanPrecision precision, Device device)
    {
        try
        {
            return new PreparedDit(checkpoint, config ?? WanConfigDetector.Detect(checkpoint), attention, precision, device);
        }
        catch
        {
            checkpoint.Dispose();
            throw;
        }
    }
}
