using TurboDiffusion.Engine.Checkpoints;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.WanVae;

/// <summary>
/// Reads the VAE's tensors under the official <c>WanVAE_</c> state-dict names (<c>decoder.upsamples.3.time_conv.weight</c>)
/// straight into the dtype and device they compute in, after checking each header's shape. Every tensor read is
/// owned by the model (see <see cref="Loaded"/>); <see cref="RejectUnused"/> makes loading strict, like
/// <c>load_state_dict</c>.
/// </summary>
internal sealed class VaeWeightLoader
{
    private readonly ITensorReader reader;
    private readonly string prefix;
    private readonly List<Tensor> loaded;
    private readonly HashSet<string> used;

    public VaeWeightLoader(ITensorReader reader, Device device)
        : this(reader, device, "", [], new HashSet<string>(StringComparer.Ordinal))
    {
    }

    private VaeWeightLoader(ITensorReader reader, Device device, string prefix, List<Tensor> loaded, HashSet<string> used)
    {
        (this.reader, Device, this.prefix, this.loaded, this.used) = (reader, device, prefix, loaded, used);
    }

    public Device Device { get; }

    /// <summary>Every tensor read so far, through any scope.</summary>
    public IReadOnlyList<Tensor> Loaded => loaded;

    /// <summary>The loader of a sub-module: <c>Scope("decoder").Scope("middle.0")</c> reads <c>decoder.middle.0.*</c>.</summary>
    public VaeWeightLoader Scope(string name) => new(reader, Device, $"{prefix}{name}.", loaded, used);

    /// <summary>
    /// Reads <paramref name="name"/>, which must be a floating-point tensor of exactly <paramref name="shape"/>, as
    /// <paramref name="type"/>; <paramref name="viewAs"/> reshapes it (same elements, no copy).
    /// </summary>
    /// <exception cref="CheckpointException">Missing, or another shape or dtype; names file, key, expected and found.</exception>
    public Tensor Load(string name, long[] shape, ScalarType type, long[]? viewAs = null)
    {
        var key = prefix + name;
        if (!reader.Contains(key))
        {
            throw new CheckpointException(reader.Path, key, $"missing; the Wan VAE needs a floating-point tensor of shape {Show(shape)} here");
        }

        var info = reader.Info(key);
        if (!info.Shape.SequenceEqual(shape) || !IsFloatingPoint(info.Type))
        {
            throw new CheckpointException(reader.Path, key, $"expected a floating-point tensor of shape {Show(shape)}, found {TensorDType.Describe(info.Type)} {Show(info.Shape)}");
        }

        using var scope = NewDisposeScope();
        var tensor = reader.Load(key, type, Device);
        tensor = (viewAs is null ? tensor : tensor.view(viewAs)).DetachFromDisposeScope();
        loaded.Add(tensor);
        used.Add(key);
        return tensor;
    }

    /// <exception cref="CheckpointException">The checkpoint holds tensors no module read: another architecture or config.</exception>
    public void RejectUnused()
    {
        var unused = reader.UnexpectedKeys(used);
        if (unused.Count > 0)
        {
            throw new CheckpointException(
                reader.Path, null,
                $"{unused.Count} tensors are not part of this Wan VAE ({string.Join(", ", unused.Take(5))}{(unused.Count > 5 ? ", ..." : "")}); check the config matches the checkpoint");
        }
    }

    /// <summary>Frees everything read: a failed load leaves nothing allocated.</summary>
    public void DisposeLoaded()
    {
        foreach (var tensor in loaded)
        {
            tensor.Dispose();
        }

        loaded.Clear();
    }

    private static bool IsFloatingPoint(ScalarType type) =>
        type is ScalarType.Float64 or ScalarType.Float32 or ScalarType.BFloat16 or ScalarType.Float16;

    private static string Show(long[] shape) => $"[{string.Join(", ", shape)}]";
}
