using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.WanVae;

/// <summary>One entry of an encoder or decoder stage: x [B, C, T, H, W] of the next chunk → the layer's output for it.</summary>
internal interface IVaeLayer
{
    Tensor Forward(Tensor x, FrameCache cache);
}
