using TurboDiffusion.Engine.Checkpoints;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.Weights;

/// <summary>
/// A loaded model's weights read as a checkpoint, to build the same model again elsewhere (its host copy onto the GPU).
/// Each read is a converted copy; a read needing no conversion shares the set's storage, so readers must not write to
/// what they get. The set stays owned by its model.
/// </summary>
internal sealed class WeightSetReader : ITensorReader
{
    private readonly Dictionary<string, Tensor> tensors;

    public WeightSetReader(WeightSet weights, string path)
    {
        ArgumentNullException.ThrowIfNull(weights);
        Path = path;
        tensors = weights.Declarations.Zip(weights.Tensors).ToDictionary(p => p.First.Key, p => p.Second, StringComparer.Ordinal);
    }

    public string Path { get; }

    public IReadOnlyCollection<string> Names => tensors.Keys;

    public bool Contains(string name) => tensors.ContainsKey(name);

    public TensorInfo Info(string name) => new(name, Get(name).dtype, Get(name).shape);

    public Tensor Load(string name, ScalarType? type = null, Device? device = null)
    {
        var tensor = Get(name);
        return tensor.to(type ?? tensor.dtype, device ?? tensor.device);
    }

    public void Dispose()
    {
    }

    private Tensor Get(string name) =>
        tensors.TryGetValue(name, out var tensor) ? tensor : throw new CheckpointException(Path, name, "no such tensor in the loaded weights.");
}
