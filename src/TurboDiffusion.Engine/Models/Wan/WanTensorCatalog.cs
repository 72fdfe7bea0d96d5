using TurboDiffusion.Engine.Checkpoints;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.Wan;

/// <summary>
/// The tensors of an official Wan DiT checkpoint (<c>diffusion_pytorch_model*.safetensors</c>): canonical key
/// names and shapes for a config, in the reference's module order. 825 tensors for 1.3B, 1095 for 14B.
/// </summary>
public static class WanTensorCatalog
{
    public static IReadOnlyList<TensorInfo> Tensors(WanConfig config, ScalarType type = ScalarType.Float32)
    {
        long d = config.Dim;
        var p = config.PatchSize;
        var tensors = new List<TensorInfo>();
        void Add(string name, params long[] shape) => tensors.Add(new TensorInfo(name, type, shape));
        void Linear(string name, long inFeatures, long outFeatures)
        {
            Add($"{name}.weight", outFeatures, inFeatures);
            Add($"{name}.bias", outFeatures);
        }

        Add("patch_embedding.weight", d, config.InDim, p.T, p.H, p.W);
        Add("patch_embedding.bias", d);
        Linear("text_embedding.0", config.TextDim, d);
        Linear("text_embedding.2", d, d);
        Linear("time_embedding.0", config.FreqDim, d);
        Linear("time_embedding.2", d, d);
        Linear("time_projection.1", d, 6 * d);
        for (var i = 0; i < config.NumLayers; i++)
        {
            var block = $"blocks.{i}";
            Add($"{block}.modulation", 1, 6, d);
            foreach (var attention in new[] { "self_attn", "cross_attn" })
            {
                foreach (var projection in new[] { "q", "k", "v", "o" })
                {
                    Linear($"{block}.{attention}.{projection}", d, d);
                }

                Add($"{block}.{attention}.norm_q.weight", d);
                Add($"{block}.{attention}.norm_k.weight", d);
                if (attention == "self_attn")
                {
                    Add($"{block}.norm3.weight", d);
                    Add($"{block}.norm3.bias", d);
                }
            }

            Linear($"{block}.ffn.0", d, config.FfnDim);
            Linear($"{block}.ffn.2", config.FfnDim, d);
        }

        Add("head.modulation", 1, 2, d);
        Linear("head.head", d, (long)p.Volume * config.OutDim);
        return tensors;
    }

    /// <summary>Total number of weights: 1,418,996,800 for 1.3B, 14,288,491,584 for 14B.</summary>
    public static long ParameterCount(WanConfig config) =>
        Tensors(config).Sum(t => t.Shape.Aggregate(1L, (a, b) => a * b));
}
