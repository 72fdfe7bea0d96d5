using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.Wan;

/// <summary>A projection x [..., in] → [..., out] in the compute dtype: dense (<see cref="WanLinear"/>) or W8A8 (<see cref="Int8.Int8Linear"/>).</summary>
internal interface IWanLinear
{
    Tensor Forward(Tensor x);
}
