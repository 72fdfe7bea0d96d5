using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Checkpoints;

/// <summary>What a model loader asks of a checkpoint: each tensor it needs, with the shape its module expects.</summary>
public static class CheckpointRequirements
{
    /// <summary>
    /// Loads <paramref name="name"/> after checking its shape (and stored dtype when given) against what the model
    /// expects; a missing or mismatched tensor fails naming file, key, expected and found, before any data is read.
    /// </summary>
    public static Tensor Require(this ITensorReader reader, string name, long[] shape, ScalarType? storedType = null, ScalarType? loadAs = null, Device? device = null)
    {
        var expected = Describe(shape, storedType);
        if (!reader.Contains(name))
        {
            throw new CheckpointException(reader.Path, name, $"missing; expected {expected}");
        }

        var info = reader.Info(name);
        if (!info.Shape.SequenceEqual(shape) || (storedType is { } type && type != info.Type))
        {
            throw new CheckpointException(reader.Path, name, $"expected {expected}, found {Describe(info.Shape, info.Type)}");
        }

        return reader.Load(name, loadAs, device);
    }

    /// <summary>Tensors the checkpoint holds that the model did not ask for, in checkpoint order (a wrong model size or variant shows here).</summary>
    public static IReadOnlyList<string> UnexpectedKeys(this ITensorReader reader, IEnumerable<string> expected)
    {
        var wanted = expected.ToHashSet(StringComparer.Ordinal);
        return reader.Names.Where(n => !wanted.Contains(n)).ToList();
    }

    private static string Describe(long[] shape, ScalarType? type) =>
        $"[{string.Join(", ", shape)}]" + (type is { } t ? $" {TensorDType.Describe(t)}" : "");
}
