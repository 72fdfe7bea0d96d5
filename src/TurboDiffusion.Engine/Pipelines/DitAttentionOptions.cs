using TurboDiffusion.Engine.Attention;

namespace TurboDiffusion.Engine.Pipelines;

/// <summary>
/// How the pipelines choose a DiT's self-attention, once per model when it loads (<see cref="DitAttention"/>).
/// </summary>
public sealed record DitAttentionOptions
{
    /// <param name="mode">Auto by default.</param>
    /// <param name="topK">SLA's top-k ratio: the fraction of key blocks each query block attends, in (0, 1]; dense attention ignores it.</param>
    /// <param name="queryBlock">SLA's query tokens per block; null for the kernel's own (<see cref="DitAttention"/> says which).</param>
    /// <param name="keyBlock">SLA's key tokens per block; null for the kernel's own.</param>
    /// <exception cref="ArgumentOutOfRangeException">An undefined mode, a ratio outside (0, 1] or a block that is not positive; the message gives the range.</exception>
    public DitAttentionOptions(DitAttentionMode mode = DitAttentionMode.Auto, double topK = SlaOptions.DefaultRatio, int? queryBlock = null, int? keyBlock = null)
    {
        if (!Enum.IsDefined(mode))
        {
            throw new ArgumentOutOfRangeException(nameof(mode), mode, $"Unknown attention mode; one of {string.Join(", ", Enum.GetNames<DitAttentionMode>())}.");
        }

        if (!(topK > 0 && topK <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(topK), topK,
                $"The attention top-k ratio must be in (0, 1] ({SlaOptions.DefaultRatio} by default, {SlaOptions.RecommendedRatio} recommended); got {topK}.");
        }

        if (queryBlock <= 0 || keyBlock <= 0)
        {
            throw new ArgumentOutOfRangeException(queryBlock <= 0 ? nameof(queryBlock) : nameof(keyBlock), queryBlock <= 0 ? queryBlock : keyBlock,
                $"SLA blocks are positive token counts ({SlaOptions.DefaultQueryBlock}/{SlaOptions.DefaultKeyBlock} by default); got query {queryBlock}, key {keyBlock}.");
        }

        (Mode, TopK, QueryBlock, KeyBlock) = (mode, topK, queryBlock, keyBlock);
    }

    /// <summary>Auto with TurboDiffusion's default ratio, 0.1, and each kernel's own blocks.</summary>
    public static DitAttentionOptions Default { get; } = new();

    public DitAttentionMode Mode { get; }

    public double TopK { get; }

    public int? QueryBlock { get; }

    public int? KeyBlock { get; }

    /// <summary>The SLA options for a kernel whose own blocks are <paramref name="kernelBlocks"/>, with the blocks asked for in their place.</summary>
    internal SlaOptions Sla(SlaOptions kernelBlocks) =>
        new(TopK, QueryBlock ?? kernelBlocks.QueryBlock, KeyBlock ?? kernelBlocks.KeyBlock);
}
