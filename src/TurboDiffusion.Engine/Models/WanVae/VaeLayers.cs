using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.WanVae;

internal static class VaeLayers
{
    /// <summary>Runs <paramref name="layers"/> in order on one chunk, freeing each intermediate as soon as the next exists.</summary>
    public static Tensor Run(IEnumerable<IVaeLayer> layers, Tensor x, FrameCache cache)
    {
        using var scope = NewDisposeScope();
        var h = x;
        foreach (var layer in layers)
        {
            var next = layer.Forward(h, cache);
            if (!ReferenceEquals(h, x))
            {
                h.Dispose();
            }

            h = next;
        }

        return h.MoveToOuterDisposeScope();
    }
}
