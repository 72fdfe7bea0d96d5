using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.Weights;

/// <summary>Storage-less tensors of the declared shapes: a model built from them costs no memory and only records what it declares.</summary>
internal sealed class MetaWeightSource : IWeightSource
{
    public static MetaWeightSource Instance { get; } = new();

    public Device Device { get; } = new(DeviceType.META);

    public Tensor Read(WeightDeclaration weight) => empty(weight.Shape, weight.Type, Device);
}
