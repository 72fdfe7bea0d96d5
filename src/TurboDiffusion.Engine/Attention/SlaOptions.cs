namespace TurboDiffusion.Engine.Attention;

/// <summary>
/// How sparse-linear attention picks its blocks. Tokens are cut into query blocks of <see cref="QueryBlock"/>
/// and key blocks of <see cref="KeyBlock"/> tokens (the last of each may be partial), Mq and Mk of them; every
/// query block attends exactly <see cref="TopK"/> = min(Mk, ⌊<see cref="Ratio"/>·Mk⌋) key blocks, the same budget
/// for every batch item, head and query block.
/// </summary>
public sealed record SlaOptions
{
    /// <summary>TurboDiffusion's default top-k ratio.</summary>
    public const double DefaultRatio = 0.1;

    /// <summary>The ratio TurboDiffusion recommends for quality.</summary>
    public const double RecommendedRatio = 0.15;

    /// <summary>Query/key blocks of the Triton SLA kernel and of SageSLA on sm80, sm89 and sm120.</summary>
    public const int DefaultQueryBlock = 128;

    /// <inheritdoc cref="DefaultQueryBlock"/>
    public const int DefaultKeyBlock = 64;

    /// <param name="ratio">Fraction of key blocks each query block attends, in (0, 1].</param>
    /// <param name="queryBlock">Query tokens per block, positive.</param>
    /// <param name="keyBlock">Key tokens per block, positive.</param>
    /// <exception cref="ArgumentOutOfRangeException">A value outside its range; the message gives the range.</exception>
    public SlaOptions(double ratio = DefaultRatio, int queryBlock = DefaultQueryBlock, int keyBlock = DefaultKeyBlock)
    {
        if (!(ratio > 0 && ratio <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(ratio), ratio,
                $"The SLA top-k ratio must be in (0, 1] ({DefaultRatio} by default, {RecommendedRatio} recommended); got {ratio}.");
        }

        if (queryBlock <= 0 || keyBlock <= 0)
        {
            throw new ArgumentOutOfRangeException(queryBlock <= 0 ? nameof(queryBlock) : nameof(keyBlock), queryBlock <= 0 ? queryBlock : keyBlock,
                $"SLA block sizes must be positive token counts ({DefaultQueryBlock}/{DefaultKeyBlock}, or 64/128 on Hopper); got query {queryBlock}, key {keyBlock}.");
        }

        (Ratio, QueryBlock, KeyBlock) = (ratio, queryBlock, keyBlock);
    }

    /// <summary>Ratio 0.1 with 128-token query blocks and 64-token key blocks.</summary>
    public static SlaOptions Default { get; } = new();

    public double Ratio { get; }

    public int QueryBlock { get; }

    public int KeyBlock { get; }

    /// <summary>SageSLA's sm90 (Hopper) tiles: 64-token query blocks, 128-token key blocks.</summary>
    public static SlaOptions Hopper(double ratio = DefaultRatio) => new(ratio, queryBlock: 64, keyBlock: 128);

    /// <summary>Key blocks kept per query block out of <paramref name="keyBlocks"/>: the reference's <c>min(Mk, int(ratio·Mk))</c>.</summary>
    public long TopK(long keyBlocks) => Math.Min(keyBlocks, (long)Math.Floor(Ratio * keyBlocks));
}
