using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Models.Wan;

/// <summary>Keeps a float64 CPU copy of every intermediate the model reports, by the fixtures' names.</summary>
internal sealed class ForwardProbe : IDisposable
{
    private readonly Dictionary<string, Tensor> captured = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, Tensor> Captured => captured;

    public void Observe(string name, Tensor value)
    {
        using var scope = NewDisposeScope();
        captured[name] = value.to(ScalarType.Float64).cpu().clone().DetachFromDisposeScope();
    }

    public void Dispose()
    {
        foreach (var tensor in captured.Values)
        {
            tensor.Dispose();
        }
    }
}
