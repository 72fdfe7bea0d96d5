using TurboDiffusion.Engine.Checkpoints;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.Umt5;

/// <summary>
/// Reads the encoder's tensors under the official key names (<c>blocks.3.attn.q.weight</c>) straight into
/// the precision's weight dtype on the target device, after checking each header's dtype and shape.
/// Every tensor read is kept in <see cref="Owned"/>: the encoder disposes them, and a failed load
/// disposes what was read before the failure.
/// </summary>
internal sealed class Umt5WeightLoader
{
    private readonly ITensorReader reader;
    private readonly ScalarType type;
    private readonly Device device;
    private readonly List<Tensor> owned = [];

    public Umt5WeightLoader(ITensorReader reader, ScalarType type, Device device)
    {
        this.reader = reader;
        this.type = type;
        this.device = device;
    }

    public IReadOnlyList<Tensor> Owned => owned;

    /// <summary>Reads <paramref name="key"/>, which must be a floating-point tensor of <paramref name="shape"/>.</summary>
    /// <exception cref="CheckpointException">The key is missing, or its dtype or shape differ; names file, key, expected and found.</exception>
    public Tensor Load(string key, params long[] shape)
    {
        if (!reader.Contains(key))
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
        var tensor = reader.Load(key, type, device).DetachFromDisposeScope();
        owned.Add(tensor);
        return tensor;
    }

    public void DisposeOwned()
    {
        foreach (var tensor in owned)
        {
            tensor.Dispose();
        }

        owned.Clear();
    }

    private static bool IsFloatingPoint(ScalarType type) =>
        type is ScalarType.Float64 or ScalarType.Float32 or ScalarType.BFloat16 or ScalarType.Float16;

    private static string Show(long[] shape) => $"[{string.Join(", ", shape)}]";
}
