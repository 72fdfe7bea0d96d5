using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.Weights;

/// <summary>
/// Every tensor a model's modules declared, in declaration order, owned here rather than by the modules: disposing
/// the set frees each of them, so no module has a disposal list of its own to keep in step with its fields.
/// </summary>
internal sealed class WeightSet : IDisposable
{
    private readonly List<WeightDeclaration> declarations = [];
    private readonly List<Tensor> tensors = [];

    public IReadOnlyList<WeightDeclaration> Declarations => declarations;

    /// <summary>The tensors handed to the modules, in the order of <see cref="Declarations"/>.</summary>
    public IReadOnlyList<Tensor> Tensors => tensors;

    public IEnumerable<string> Keys => declarations.Select(d => d.Key);

    public void Add(WeightDeclaration declaration, Tensor tensor)
    {
        declarations.Add(declaration);
        tensors.Add(tensor);
    }

    public void Dispose()
    {
        foreach (var tensor in tensors)
        {
            tensor.Dispose();
        }

        tensors.Clear();
        declarations.Clear();
    }
}
