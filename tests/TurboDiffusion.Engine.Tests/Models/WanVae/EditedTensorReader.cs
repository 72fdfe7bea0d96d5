using TurboDiffusion.Engine.Checkpoints;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Models.WanVae;

/// <summary>A checkpoint with some tensors removed, replaced or added, still reporting the original file's path.</summary>
internal sealed class EditedTensorReader : ITensorReader
{
    private readonly ITensorReader inner;
    private readonly HashSet<string> removed = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Tensor> replaced = new(StringComparer.Ordinal);

    public EditedTensorReader(ITensorReader inner) => this.inner = inner;

    public string Path => inner.Path;

    public IReadOnlyCollection<string> Names =>
        [.. inner.Names.Where(name => !removed.Contains(name) && !replaced.ContainsKey(name)), .. replaced.Keys];

    public EditedTensorReader Without(string name)
    {
        removed.Add(name);
        return this;
    }

    /// <summary>Serves <paramref name="value"/> under <paramref name="name"/>; the reader owns it from now on.</summary>
    public EditedTensorReader With(string name, Tensor value)
    {
        replaced[name] = value.DetachFromDisposeScope();
        return this;
    }

    public TensorInfo Info(string name) =>
        replaced.TryGetValue(name, out var value) ? new TensorInfo(name, value.dtype, value.shape)
        : removed.Contains(name) ? throw new CheckpointException(Path, name, "not in this file")
        : inner.Info(name);

    public Tensor Load(string name, ScalarType? type = null, Device? device = null) =>
        replaced.TryGetValue(name, out var value) ? value.to(type ?? value.dtype, device ?? value.device, copy: true)
        : removed.Contains(name) ? throw new CheckpointException(Path, name, "not in this file")
        : inner.Load(name, type, device);

    public void Dispose()
    {
        foreach (var value in replaced.Values)
        {
            value.Dispose();
        }

        inner.Dispose();
    }
}
