using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Checkpoints;

/// <summary>
/// A checkpoint of random tensors for a model's tensor catalog, for benchmarks at real shapes and built-in
/// untrained models. Each tensor is drawn when read, from a stream seeded by the seed and the tensor's place in
/// the catalog, on the device it is read to: a read is deterministic for a given seed, key and device type.
/// Subclasses choose each tensor's normal distribution.
/// </summary>
public abstract class RandomCatalogWeights : ITensorReader
{
    private readonly Dictionary<string, TensorInfo> tensors;
    private readonly Dictionary<string, ulong> streams;
    private readonly Device device;
    private readonly string model;

    /// <param name="device">Where tensors are drawn when a read names no device (default CPU).</param>
    protected RandomCatalogWeights(IReadOnlyList<TensorInfo> catalog, string model, long seed, Device? device)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        tensors = catalog.ToDictionary(t => t.Name, StringComparer.Ordinal);
        streams = catalog.Select((t, index) => (t.Name, Stream: unchecked(((ulong)seed * 1_000_003UL) + (ulong)index)))
            .ToDictionary(s => s.Name, s => s.Stream, StringComparer.Ordinal);
        this.device = device ?? CPU;
        this.model = model;
        Path = $"random weights ({model}, seed {seed}, {(catalog.Count > 0 ? catalog[0].Type : ScalarType.Float32)})";
    }

    public string Path { get; }

    public IReadOnlyCollection<string> Names => tensors.Keys;

    public bool Contains(string name) => tensors.ContainsKey(name);

    public TensorInfo Info(string name) =>
        tensors.TryGetValue(name, out var info) ? info : throw new CheckpointException(Path, name, $"not a tensor of a {model} checkpoint");

    public Tensor Load(string name, ScalarType? type = null, Device? device = null)
    {
        var info = Info(name);
        var (mean, std) = Distribution(name, info.Shape);
        using var scope = NewDisposeScope();
        var drawn = SeededNormal.Draw(info.Shape, streams[name], device ?? this.device).mul_(std).add_(mean).to(info.Type);
        return (type is { } t ? drawn.to(t) : drawn).MoveToOuterDisposeScope();
    }

    public void Dispose() => GC.SuppressFinalize(this);

    /// <summary>The normal distribution tensor <paramref name="name"/> is drawn from.</summary>
    protected abstract (double Mean, double Std) Distribution(string name, long[] shape);
}
