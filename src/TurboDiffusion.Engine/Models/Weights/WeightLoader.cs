using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.Weights;

/// <summary>
/// What a module declares its tensors through, each once, as it is built: the key (relative to the module's
/// <see cref="Scope"/>), the stored shape for the config, the dtype of its precision role, and (by keeping the
/// returned tensor in a field) where it lives. The same declarations load a checkpoint, record the catalog (built on
/// the meta device) and, through <see cref="Owner"/>, free the model.
/// </summary>
internal sealed class WeightLoader(IWeightSource source, WeightSet owner)
{
    /// <summary>Holds every tensor handed out, through any scope; the model built owns it.</summary>
    public WeightSet Owner => owner;

    public Device Device => source.Device;

    private string Prefix { get; init; } = "";

    /// <summary>
    /// Builds a model with <paramref name="build"/>, which takes over <see cref="Owner"/>; when it throws, everything
    /// read so far is freed before the exception goes on.
    /// </summary>
    public static T Build<T>(IWeightSource source, Func<WeightLoader, T> build)
    {
        var owner = new WeightSet();
        try
        {
            return build(new WeightLoader(source, owner));
        }
        catch
        {
            owner.Dispose();
            throw;
        }
    }

    /// <summary>The loader of a sub-module: <c>Scope("blocks.3")</c> declares <c>blocks.3.*</c>.</summary>
    public WeightLoader Scope(string name) => new(source, owner) { Prefix = $"{Prefix}{name}." };

    /// <summary>The full key of <paramref name="name"/> in this scope, for messages.</summary>
    public string Key(string name) => Prefix + name;

    /// <summary>
    /// Declares <paramref name="name"/>, stored as <paramref name="shape"/>, computed in <paramref name="type"/>, and
    /// returns it; <paramref name="viewAs"/> reshapes it (same elements, no copy) to the shape the module computes with.
    /// </summary>
    public Tensor Load(string name, long[] shape, ScalarType type, long[]? viewAs = null)
    {
        var declaration = new WeightDeclaration(Prefix + name, shape, type);
        using var scope = NewDisposeScope();
        var tensor = source.Read(declaration);
        tensor = (viewAs is null ? tensor : tensor.reshape(viewAs)).DetachFromDisposeScope();
        owner.Add(declaration, tensor);
        return tensor;
    }
}
