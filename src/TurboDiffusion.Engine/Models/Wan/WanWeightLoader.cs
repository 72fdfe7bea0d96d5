using TurboDiffusion.Engine.Checkpoints;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.Wan;

/// <summary>
/// Reads the tensors a module needs under their canonical Wan names (those of the official
/// <c>diffusion_pytorch_model.safetensors</c>, e.g. <c>blocks.3.self_attn.q.weight</c>), straight into
/// the dtype and device the module computes in. Shape and dtype are checked against the checkpoint's
/// header before any data is read. Tensors are detached from every dispose scope: the module owns them.
/// </summary>
internal sealed class WanWeightLoader
{
    private readonly ITensorReader reader;
    private readonly string prefix;
    private readonly List<Tensor> loaded;

    public WanWeightLoader(ITensorReader reader, Device device)
        : this(reader, device, "", [])
    {
    }

    private WanWeightLoader(ITensorReader reader, Device device, string prefix, List<Tensor> loaded)
    {
        this.reader = reader;
        this.prefix = prefix;
        this.loaded = loaded;
        Device = device;
    }

    public Device Device { get; }

    /// <summary>The loader for a sub-module: <c>Scope("blocks.3")</c> reads <c>blocks.3.*</c>.</summary>
    public WanWeightLoader Scope(string name) => new(reader, Device, prefix + name + ".", loaded);

    /// <summary>
    /// Reads <paramref name="name"/>, which must be a floating-point tensor of <paramref name="shape"/>, as
    /// <paramref name="type"/> on <see cref="Device"/>; <paramref name="viewAs"/> reshapes it (same elements).
    /// </summary>
    public Tensor Load(string name, ScalarType type, long[] shape, long[]? viewAs = null)
    {
        var key = prefix + name;
        if (!reader.Names.Contains(key))
        {
            throw new CheckpointException(reader.Path, key, $"missing; expected a floating-point tensor of shape {Show(shape)}");
        }

        var info = reader.Info(key);
        if (!IsFloatingPoint(info.Type) || !info.Shape.SequenceEqual(shape))
        {
            throw new CheckpointException(
                reader.Path, key, $"expected a floating-point tensor of shape {Show(shape)}, found {TensorDType.Describe(info.Type)} {Show(info.Shape)}");
        }

        using var scope = NewDisposeScope();
        var tensor = reader.Load(key, type, Device);
        if (viewAs is not null)
        {
            tensor = tensor.reshape(viewAs);
        }

        tensor = tensor.DetachFromDisposeScope();
        loaded.Add(tensor);
        return tensor;
    }

    /// <summary>Disposes everything read so far: a model that failed to load leaves nothing behind.</summary>
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
