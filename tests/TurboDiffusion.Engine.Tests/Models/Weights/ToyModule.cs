using TurboDiffusion.Engine.Models.Weights;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Models.Weights;

/// <summary>A module of two tensors, one under a sub-module's scope and viewed in another shape, to drive the loader with.</summary>
internal sealed class ToyModule
{
    public const string EmbeddingKey = "embedding.weight";
    public const string ProjectionKey = "head.proj.weight";

    public static readonly long[] EmbeddingShape = [4, 3];
    public static readonly long[] ProjectionShape = [2, 6];
    public static readonly long[] ProjectionView = [2, 3, 2];

    private ToyModule(Tensor embedding, Tensor projection)
    {
        (Embedding, Projection) = (embedding, projection);
    }

    public Tensor Embedding { get; }

    public Tensor Projection { get; }

    public static ToyModule Build(WeightLoader weights, ScalarType type) => new(
        weights.Load(EmbeddingKey, EmbeddingShape, type),
        weights.Scope("head").Load("proj.weight", ProjectionShape, type, viewAs: ProjectionView));
}
