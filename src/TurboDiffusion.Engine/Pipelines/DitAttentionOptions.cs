using TurboDiffusion.Engine.Attention;

namespace TurboDiffusion.Engine.Pipelines;

/// <summary>
/// How the pipelines choose a DiT's self-attention, once per model when it loads (<see cref="DitAttention"/>).
/// </summary>
public sealed record DitAttentionOptions
{
    /// <param name="mode">Auto by default.</param>
    /// <param name="topK">SLA's top-k ratio: the fraction of key blocks each query block attends, in (0, 1]; dense attention ignores it.</param>
    /// <exception cref="ArgumentOutOfRangeException">An undefined mode, or a ratio outside (0, 1]; the message gives the range.</exception>
    public DitAttentionOptions(DitAttentionMode mode = DitAttentionMode.Auto, double topK = SlaOptions.DefaultRatio)
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

        (Mode, TopK) = (mode, topK);
    }

    /// <summary>Auto with TurboDiffusion's default ratio, 0.1.</summary>
    public static DitAttentionOptions Default { get; } = new();

    public DitAttentionMode Mode { get; }

    public double TopK { get; }
}
