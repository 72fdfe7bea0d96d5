using TurboDiffusion.Engine.Checkpoints;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.Weights;

/// <summary>A model's checkpoint tensors as its modules declare them, recorded by building it on the meta device.</summary>
internal static class WeightCatalog
{
    /// <param name="build">Builds the model from the loader it is given, as loading does.</param>
    /// <param name="storedType">The dtype to report for every tensor (the "file's" dtype).</param>
    public static IReadOnlyList<TensorInfo> Record(Action<WeightLoader> build, ScalarType storedType)
    {
        using var declared = new WeightSet();
        build(new WeightLoader(MetaWeightSource.Instance, declared));
        return [.. declared.Declarations.Select(d => new TensorInfo(d.Key, storedType, d.Shape))];
    }

    public static long ParameterCount(IEnumerable<TensorInfo> tensors) =>
        tensors.Sum(t => t.Shape.Aggregate(1L, (a, b) => a * b));
}
