using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.Weights;

/// <summary>Where the tensors a module declares come from: a checkpoint when loading, the meta device when cataloguing.</summary>
internal interface IWeightSource
{
    /// <summary>Where the tensors are placed, and so where the model built from them computes.</summary>
    Device Device { get; }

    /// <summary>The tensor <paramref name="weight"/> declares, in its shape and dtype on <see cref="Device"/>.</summary>
    Tensor Read(WeightDeclaration weight);
}
