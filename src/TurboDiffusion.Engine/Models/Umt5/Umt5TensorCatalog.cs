using TurboDiffusion.Engine.Checkpoints;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.Umt5;

/// <summary>Every tensor of an official umT5 encoder checkpoint (<c>T5Encoder</c> state dict) for a config, in file order.</summary>
public static class Umt5TensorCatalog
{
    public static IEnumerable<TensorInfo> Tensors(Umt5Config config, ScalarType type)
    {
        ArgumentNullException.ThrowIfNull(config);
        yield return new TensorInfo("token_embedding.weight", type, [config.VocabSize, config.Dim]);
        for (var i = 0; i < config.Layers; i++)
        {
            var prefix = $"blocks.{i}";
            yield return new TensorInfo($"{prefix}.norm1.weight", type, [config.Dim]);
            foreach (var projection in new[] { "q", "k", "v" })
            {
                yield return new TensorInfo($"{prefix}.attn.{projection}.weight", type, [config.DimAttn, config.Dim]);
            }

            yield return new TensorInfo($"{prefix}.attn.o.weight", type, [config.Dim, config.DimAttn]);
            yield return new TensorInfo($"{prefix}.norm2.weight", type, [config.Dim]);
            yield return new TensorInfo($"{prefix}.ffn.gate.0.weight", type, [config.DimFfn, config.Dim]);
            yield return new TensorInfo($"{prefix}.ffn.fc1.weight", type, [config.DimFfn, config.Dim]);
            yield return new TensorInfo($"{prefix}.ffn.fc2.weight", type, [config.Dim, config.DimFfn]);
            yield return new TensorInfo($"{prefix}.pos_embedding.embedding.weight", type, [config.Buckets, config.Heads]);
        }

        yield return new TensorInfo("norm.weight", type, [config.Dim]);
    }
}
