using TurboDiffusion.Engine.Checkpoints;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.WanVae;

/// <summary>
/// A checkpoint of random weights with every tensor of <see cref="WanVaeTensorCatalog"/>, for benchmarks and memory
/// checks at real shapes (720P decode) without the real file. Each tensor is drawn when read, from a generator seeded
/// by the seed and the tensor's place in the catalog, on the device it is read to. Scales keep activations O(1)
/// through the blocks: conv weights N(0, 1/fan_in), biases N(0, 0.02²), RMS-norm gains N(1, 0.05²).
/// </summary>
public sealed class RandomWanVaeWeights : ITensorReader
{
    private readonly Dictionary<string, TensorInfo> tensors;
    private readonly Dictionary<string, ulong> streams;
    private readonly Device device;

    /// <param name="type">The dtype the "file" stores: values are rounded to it before any conversion on read.</param>
    /// <param name="device">Where tensors are drawn when a read names no device (default CPU).</param>
    public RandomWanVaeWeights(WanVaeConfig config, long seed, ScalarType type = ScalarType.Float32, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        var catalog = WanVaeTensorCatalog.Tensors(config, type);
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
        tensors.TryGetValue(name, out var info) ? info : throw new CheckpointException(Path, name, "not a tensor of a Wan VAE checkpoint");

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

    private static (double Mean, double Std) Distribution(string name, long[] shape) =>
        name.EndsWith(".gamma", StringComparison.Ordinal) ? (1, 0.05)
        : name.EndsWith(".bias", StringComparison.Ordinal) ? (0, 0.02)
        : (0, 1 / Math.Sqrt(shape.Skip(1).Aggregate(1L, (a, b) => a * b)));
}
