using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Checkpoints;

/// <summary>
/// A checkpoint of deterministic random tensors for a catalog of names and shapes: norm scales
/// (<c>gamma</c>, 1-D <c>weight</c>) are 1, biases 0, other weights N(0, 1/fan_in) so activations keep
/// their scale. For untrained built-in models and benchmarks; reads are reproducible per name and seed.
/// </summary>
public sealed class RandomWeights(string description, IReadOnlyDictionary<string, long[]> shapes, long seed, ScalarType storedType = ScalarType.Float32) : ITensorReader
{
    public string Path { get; } = description;

    public IReadOnlyCollection<string> Names => (IReadOnlyCollection<string>)shapes.Keys;

    public bool Contains(string name) => shapes.ContainsKey(name);

    public TensorInfo Info(string name) =>
        shapes.TryGetValue(name, out var shape) ? new TensorInfo(name, storedType, shape) : throw new CheckpointException(Path, name, "not in this random checkpoint");

    public Tensor Load(string name, ScalarType? type = null, Device? device = null)
    {
        var shape = Info(name).Shape;
        using var scope = NewDisposeScope();
        Tensor drawn;
        if (name.EndsWith(".bias", StringComparison.Ordinal))
        {
            drawn = zeros(shape);
        }
        else if (name.EndsWith("gamma", StringComparison.Ordinal) || shape.Length == 1)
        {
            drawn = ones(shape);
        }
        else
        {
            using var generator = new Generator(unchecked((ulong)(seed * 1_000_003 + StableHash(name))));
            var fanIn = shape.Skip(1).Aggregate(1L, (a, d) => a * d);
            drawn = randn(shape, generator: generator) / Math.Sqrt(fanIn);
        }

        return drawn.to(type ?? storedType, device ?? CPU).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
    }

    /// <summary>FNV-1a: string.GetHashCode differs between processes, and weights must not.</summary>
    private static long StableHash(string text)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        return (long)(hash >> 1);
    }
}
