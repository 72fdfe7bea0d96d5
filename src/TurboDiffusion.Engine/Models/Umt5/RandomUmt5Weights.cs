using TurboDiffusion.Engine.Checkpoints;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.Umt5;

/// <summary>
/// A checkpoint of random umT5 weights with every tensor of <see cref="Umt5TensorCatalog"/>, for benchmarks
/// at real shapes and tests that need a vocabulary other than a fixture's. Each tensor is drawn when read,
/// from a generator seeded by the seed and the tensor's place in the catalog, on the device it is read to,
/// so a read is deterministic for a given seed, key and device type. Scales keep activations O(1) through the layers: projections
/// N(0, 1/fan_in), norm weights N(1, 0.05²), embeddings and relative-position tables N(0, 1).
/// </summary>
public sealed class RandomUmt5Weights : ITensorReader
{
    private readonly Dictionary<string, TensorInfo> tensors;
    private readonly Dictionary<string, ulong> streams;
    private readonly Device device;

    /// <param name="type">The dtype the "file" stores: values are rounded to it before any conversion on read.</param>
    /// <param name="device">Where tensors are drawn when a read names no device (default CPU).</param>
    public RandomUmt5Weights(Umt5Config config, long seed, ScalarType type = ScalarType.Float32, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        var catalog = Umt5TensorCatalog.Tensors(config, type).ToList();
        tensors = catalog.ToDictionary(t => t.Name, StringComparer.Ordinal);
        streams = catalog.Select((t, index) => (t.Name, Stream: unchecked(((ulong)seed * 1_000_003UL) + (ulong)index)))
            .ToDictionary(s => s.Name, s => s.Stream, StringComparer.Ordinal);
        this.device = device ?? CPU;
        Path = $"random weights ({config.Name}, seed {seed}, {type})";
    }

    public string Path { get; }

    public IReadOnlyCollection<string> Names => tensors.Keys;

    public bool Contains(string name) => tensors.ContainsKey(name);

    public TensorInfo Info(string name) =>
        tensors.TryGetValue(name, out var info) ? info : throw new CheckpointException(Path, name, "not a tensor of a umT5 encoder checkpoint");

    public Tensor Load(string name, ScalarType? type = null, Device? device = null)
    {
        var info = Info(name);
        var target = device ?? this.device;
        var (mean, std) = Distribution(name, info.Shape);
        using var scope = NewDisposeScope();
        var drawn = SeededNormal.Draw(info.Shape, streams[name], target).mul_(std).add_(mean).to(info.Type);
        return (type is { } t ? drawn.to(t) : drawn).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
    }

    private static (double Mean, double Std) Distribution(string name, long[] shape)
    {
        if (shape.Length == 1)
        {
            return (1, 0.05);
        }

        if (name == "token_embedding.weight" || name.EndsWith("pos_embedding.embedding.weight", StringComparison.Ordinal))
        {
            return (0, 1);
        }

        return (0, 1 / Math.Sqrt(shape[1]));
    }
}
