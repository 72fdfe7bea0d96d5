using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.Umt5;

/// <summary>Checks the encoder's inputs before any work, with messages that name the expected form.</summary>
internal static class Umt5Inputs
{
    /// <summary>ids must be int64 [B, L] within the vocabulary; mask, when given, [B, L].</summary>
    public static void CheckIds(Tensor ids, Tensor? mask, Umt5Config config)
    {
        if (ids.dtype != ScalarType.Int64 || ids.dim() != 2 || ids.shape[0] == 0 || ids.shape[1] == 0)
        {
            throw new ArgumentException($"umT5 ids must be a non-empty Int64 [B, L] tensor; got {ids.dtype} [{string.Join(", ", ids.shape)}].", nameof(ids));
        }

        using var min = ids.min();
        using var max = ids.max();
        var (low, high) = (min.item<long>(), max.item<long>());
        if (low < 0 || high >= config.VocabSize)
        {
            throw new ArgumentException($"umT5 ids must lie in [0, {config.VocabSize}) for {config.Name}; got {low}..{high}.", nameof(ids));
        }

        if (mask is not null && !mask.shape.SequenceEqual(ids.shape))
        {
            throw new ArgumentException($"The umT5 mask must have the ids' shape [{string.Join(", ", ids.shape)}]; got [{string.Join(", ", mask.shape)}].", nameof(mask));
        }
    }
}
