using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Checkpoints;

/// <summary>What a checkpoint says about one tensor before it is read.</summary>
public sealed record TensorInfo(string Name, ScalarType Type, long[] Shape);

/// <summary>
/// A checkpoint whose tensors are read one at a time, straight into their final dtype and device,
/// so a model never needs a second full copy in host memory. Implemented by every checkpoint format.
/// </summary>
public interface ITensorReader : IDisposable
{
    /// <summary>The file, for error messages.</summary>
    string Path { get; }

    IReadOnlyCollection<string> Names { get; }

    bool Contains(string name);

    /// <summary>Dtype and shape of <paramref name="name"/>; throws <see cref="CheckpointException"/> naming the file when absent.</summary>
    TensorInfo Info(string name);

    /// <summary>Reads one tensor, converted to <paramref name="type"/> and moved to <paramref name="device"/> when given.</summary>
    Tensor Load(string name, ScalarType? type = null, Device? device = null);
}
