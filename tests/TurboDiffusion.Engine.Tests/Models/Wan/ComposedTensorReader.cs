using TurboDiffusion.Engine.Checkpoints;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Models.Wan;

/// <summary>
/// Several checkpoints read as one, later layers shadowing earlier ones. A layer can expose only the names
/// under a prefix, stripped (<c>native.patch_embedding.weight</c> → <c>patch_embedding.weight</c>), and
/// names can be hidden, to build the I2V model from shared weights or a checkpoint with a tensor missing.
/// </summary>
internal sealed class ComposedTensorReader : ITensorReader
{
    private readonly Dictionary<string, (ITensorReader Reader, string Name)> sources = new(StringComparer.Ordinal);
    private readonly List<ITensorReader> owned = [];

    public ComposedTensorReader(string path) => Path = path;

    public string Path { get; }

    public IReadOnlyCollection<string> Names => sources.Keys;

    public bool Contains(string name) => sources.ContainsKey(name);

    /// <summary>Adds <paramref name="reader"/>'s tensors named <c>{prefix}{name}</c> as <c>{name}</c>; takes ownership.</summary>
    public ComposedTensorReader Layer(ITensorReader reader, string prefix = "")
    {
        owned.Add(reader);
        foreach (var name in reader.Names.Where(n => n.StartsWith(prefix, StringComparison.Ordinal)))
        {
            sources[name[prefix.Length..]] = (reader, name);
        }

        return this;
    }

    public ComposedTensorReader Without(string name)
    {
        sources.Remove(name);
        return this;
    }

    public TensorInfo Info(string name) => Source(name).Reader.Info(Source(name).Name) with { Name = name };

    public Tensor Load(string name, ScalarType? type = null, Device? device = null) => Source(name).Reader.Load(Source(name).Name, type, device);

    public void Dispose() => owned.ForEach(r => r.Dispose());

    private (ITensorReader Reader, string Name) Source(string name) =>
        sources.TryGetValue(name, out var source) ? source : throw new CheckpointException(Path, name, "not in any layer");
}

/// <summary>Tensors held in memory under a made-up file name, to inject a wrong shape or dtype.</summary>
internal sealed class InMemoryTensorReader(string path, IReadOnlyDictionary<string, Tensor> tensors) : ITensorReader
{
    public string Path { get; } = path;

    public IReadOnlyCollection<string> Names => [.. tensors.Keys];

    public bool Contains(string name) => tensors.ContainsKey(name);

    public TensorInfo Info(string name) => new(name, tensors[name].dtype, tensors[name].shape);

    public Tensor Load(string name, ScalarType? type = null, Device? device = null) =>
        tensors[name].to(type ?? tensors[name].dtype, device ?? tensors[name].device, copy: true);

    public void Dispose()
    {
        foreach (var tensor in tensors.Values)
        {
            tensor.Dispose();
        }
    }
}
