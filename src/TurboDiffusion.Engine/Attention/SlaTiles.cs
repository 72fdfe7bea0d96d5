using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace TurboDiffusion.Engine.Attention;

/// <summary>Cutting a head-major sequence [B, H, L, D] into blocks of tokens.</summary>
internal static class SlaTiles
{
    /// <summary>Blocks of <paramref name="block"/> tokens covering <paramref name="tokens"/>, the last one possibly partial.</summary>
    public static long Count(long tokens, long block) => (tokens + block - 1) / block;

    /// <summary>x [B, H, L, D] → [B, H, <paramref name="tokens"/>, D] with zero rows appended.</summary>
    public static Tensor PadTokens(Tensor x, long tokens) => pad(x, [0, 0, 0, tokens - x.shape[2]]);
}
