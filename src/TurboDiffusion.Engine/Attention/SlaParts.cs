using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Attention;

/// <summary>
/// Everything one SLA forward computed, for tests and for the parity of native kernels, the tokens in
/// <see cref="IAttention"/>'s layout. All but <see cref="Lut"/> are in the input dtype; disposing frees all five.
/// </summary>
/// <param name="Lut">[B, H, Mq, topk] int32: each query block's key blocks, ascending.</param>
/// <param name="Sparse">o_s [B, Lq, H, D]: softmax attention over the selected key blocks.</param>
/// <param name="Linear">o_l [B, Lq, H, D]: the linear branch before proj_l.</param>
/// <param name="ProjectedLinear">proj_l(o_l) [B, Lq, H, D].</param>
/// <param name="Output">o = o_s + proj_l(o_l), [B, Lq, H, D].</param>
public sealed record SlaParts(Tensor Lut, Tensor Sparse, Tensor Linear, Tensor ProjectedLinear, Tensor Output) : IDisposable
{
    internal SlaParts MoveToOuterDisposeScope() => new(
        Lut.MoveToOuterDisposeScope(), Sparse.MoveToOuterDisposeScope(), Linear.MoveToOuterDisposeScope(),
        ProjectedLinear.MoveToOuterDisposeScope(), Output.MoveToOuterDisposeScope());

    public void Dispose()
    {
        Lut.Dispose();
        Sparse.Dispose();
        Linear.Dispose();
        ProjectedLinear.Dispose();
        Output.Dispose();
    }
}
