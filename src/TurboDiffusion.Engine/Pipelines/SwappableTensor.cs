using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Pipelines;

/// <summary>One checkpoint tensor a DiT reads, under its key, with the block that alone reads it (-1: the embeddings and the head).</summary>
internal sealed record SwappableTensor(string Key, int Block, Tensor Tensor);
