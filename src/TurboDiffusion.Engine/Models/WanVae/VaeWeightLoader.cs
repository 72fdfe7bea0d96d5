using TurboDiffusion.Engine.Checkpoints;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.WanVae;

/// <summary>Gives the module being built the tensor <paramref name="key"/> of <paramref name="shape"/> in <paramref name="type"/>.</summary>
internal delegate Tensor VaeTensorSource(string key, long[] shape, ScalarType type);

/// <summary>
/// What the VAE's modules read their tensors through, under the official <c>WanVAE_</c> state-dict names
/// (<c>decoder.upsamples.3.time_conv.weight</c>). Every tensor handed out is owned by the model being built
/// (<see cref="Loaded"/>) and every key asked for is remembered (<see cref="Keys"/>), so the module tree itself
/// defines the checkpoint layout: <see cref="FromCheckpoint"/> reads and checks a file against it,
/// <see cref="WanVaeTensorCatalog"/> records it.
/// </summary>
internal sealed class VaeWeightLoader
{
    private readonly VaeTensorSource source;
    private readonly string prefix;
    private readonly List<Tensor> loaded;
    private readonly List<string> keys;

    public VaeWeightLoader(VaeTensorSource source)
        : this(source, "", [], [])
    {
    }

    private VaeWeightLoader(VaeTensorSource source, string prefix, List<Tensor> loaded, List<string> keys)
    {
        (this.source, this.prefix, this.loaded, this.keys) = (source, prefix, loaded, keys);
    }

    /// <summary>Every tensor handed out so far, through any scope.</summary>
    public IReadOnlyList<Tensor> Loaded => loaded;

    /// <summary>Every key asked for so far, in order.</summary>
    public IReadOnlyList<string> Keys => keys;

    /// <summary>
    /// Reads from <paramref name="reader"/> onto <paramref name="device"/>, after checking that the key exists and its
    /// header shows a floating-point tensor of exactly the expected shape.
    /// </summary>
    /// <exception cref="CheckpointException">Missing, or another shape or dtype; names file, key, expected and found.</exception>
    public static VaeTensorSource FromCheckpoint(ITensorReader reader, Device device) => (key, shape, type) =>
    {
        if (!reader.Contains(key))
        {
            throw new CheckpointException(reader.Path, key, $"missing; the Wan VAE needs a floating-point tensor of shape {Show(shape)} here");
        }

        var info = reader.Info(key);
        if (!info.Shape.SequenceEqual(shape) || !IsFloatingPoint(info.Type))
        {
            throw new CheckpointException(reader.Path, key, $"expected a floating-point tensor of shape {Show(shape)}, found {TensorDType.Describe(info.Type)} {Show(info.Shape)}");
        }

        return reader.Load(key, type, device);
    };

    /// <summary>The loader of a sub-module: <c>Scope("decoder").Scope("middle.0")</c> reads <c>decoder.middle.0.*</c>.</summary>
    public VaeWeightLoader Scope(string name) => new(source, $"{prefix}{name}.", loaded, keys);

    /// <summary>The tensor <paramref name="name"/> of exactly <paramref name="shape"/>, as <paramref name="type"/>; <paramref name="viewAs"/> reshapes it (same elements, no copy).</summary>
    public Tensor Load(string name, long[] shape, ScalarType type, long[]? viewAs = null)
    {
        var key = prefix + name;
        using var scope = NewDisposeScope();
        var tensor = source(key, shape, type);
        tensor = (viewAs is null ? tensor : tensor.view(viewAs)).DetachFromDisposeScope();
        loaded.Add(tensor);
        keys.Add(key);
        return tensor;
    }

    /// <summary>Frees everything handed out: a failed load leaves nothing allocated.</summary>
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
