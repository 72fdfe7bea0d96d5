using System.Text;
using TurboDiffusion.Engine.Checkpoints;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.Wan;

/// <summary>
/// A checkpoint of random weights with every canonical Wan tensor (<see cref="WanTensorCatalog"/>), for
/// benchmarks at real shapes and untrained demo models. Each tensor is drawn when read, from a generator
/// seeded by (seed, key) on the device it is read to, so a read is deterministic for a given seed, key and
/// device type and no file or host copy is needed. Scales keep activations O(1) through the blocks:
/// Linear/Conv weights N(0, 1/fan_in), biases N(0, 0.02²), RMSNorm/LayerNorm weights N(1, 0.05²),
/// modulation tables N(0, 1/D) (Wan's own initialisation of them).
/// </summary>
public sealed class RandomWanWeights : ITensorReader
{
    private readonly Dictionary<string, TensorInfo> tensors;
    private readonly long seed;
    private readonly Device device;
    private readonly long dim;

    /// <param name="type">The dtype the "file" stores: values are rounded to it before any conversion on read.</param>
    /// <param name="device">Where tensors are drawn when a read names no device (default CPU).</param>
    public RandomWanWeights(WanConfig config, long seed, ScalarType type = ScalarType.Float32, Device? device = null)
    {
        config.Validate();
        tensors = WanTensorCatalog.Tensors(config, type).ToDictionary(t => t.Name, StringComparer.Ordinal);
        this.seed = seed;
        this.device = device ?? CPU;
        dim = config.Dim;
        Path = $"random weights ({config.Name}, seed {seed}, {type})";
    }

    public string Path { get; }

    public IReadOnlyCollection<string> Names => tensors.Keys;

    public bool Contains(string name) => tensors.ContainsKey(name);

    public TensorInfo Info(string name) =>
        tensors.TryGetValue(name, out var info) ? info : throw new CheckpointException(Path, name, "not a tensor of a Wan DiT checkpoint");

    public Tensor Load(string name, ScalarType? type = null, Device? device = null)
    {
        var info = Info(name);
        var target = device ?? this.device;
        var (mean, std) = Distribution(name, info.Shape);
        using var scope = NewDisposeScope();
        var drawn = SeededNormal.Draw(info.Shape, KeySeed(name), target).mul_(std).add_(mean).to(info.Type);
        return (type is { } t ? drawn.to(t) : drawn).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
    }

    private (double Mean, double Std) Distribution(string name, long[] shape)
    {
        if (name.EndsWith("modulation", StringComparison.Ordinal))
        {
            return (0, 1 / Math.Sqrt(dim));
        }

        if (name.EndsWith(".bias", StringComparison.Ordinal))
        {
            return (0, 0.02);
        }

        if (shape.Length == 1)
        {
            return (1, 0.05);
        }

        var fanIn = shape.Skip(1).Aggregate(1L, (a, b) => a * b);
        return (0, 1 / Math.Sqrt(fanIn));
    }

    // FNV-1a of the key, mixed with the seed by a splitmix64 step: independent streams per tensor.
    private ulong KeySeed(string name)
    {
        var hash = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes(name))
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        var z = hash ^ ((ulong)seed * 0x9E3779B97F4A7C15UL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
