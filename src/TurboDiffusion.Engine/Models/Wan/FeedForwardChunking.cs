using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.Wan;

/// <summary>
/// How many tokens a block's feed-forward runs at once. Its [tokens, ffn_dim] intermediates (ffn.0's output and its
/// GELU, in the compute dtype) are the largest temporaries of a forward: at 14B-720P a full-length one is 2.1 GB. Runs
/// sized to <see cref="DefaultBudgetBytes"/> keep them small while each GEMM still has thousands of rows.
/// </summary>
public static class FeedForwardChunking
{
    /// <summary>Bytes of one [tokens, ffn_dim] intermediate per run.</summary>
    public const long DefaultBudgetBytes = 256L << 20;

    /// <summary>Fewer rows than this starve the GEMMs, whatever the budget.</summary>
    public const long MinTokens = 1024;

    /// <summary>Tokens per run for <paramref name="config"/> in <paramref name="compute"/> within <paramref name="budgetBytes"/>.</summary>
    public static long Tokens(WanConfig config, ScalarType compute, long budgetBytes = DefaultBudgetBytes)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentOutOfRangeException.ThrowIfLessThan(budgetBytes, 1);
        return Math.Max(MinTokens, budgetBytes / (config.FfnDim * ElementSize(compute)));
    }

    private static long ElementSize(ScalarType type) => type switch
    {
        ScalarType.Float64 or ScalarType.Int64 => 8,
        ScalarType.Float32 or ScalarType.Int32 => 4,
        ScalarType.BFloat16 or ScalarType.Float16 => 2,
        _ => 1,
    };
}
