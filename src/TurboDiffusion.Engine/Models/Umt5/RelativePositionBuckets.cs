using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.Umt5;

/// <summary>
/// T5's bidirectional relative-position buckets. For rel = key − query: half the buckets serve keys after
/// the query (offset Buckets/2); within a half, distances below Buckets/4 are exact and larger ones are
/// log-spaced up to <c>MaxDistance</c>, where they saturate in the half's last bucket.
/// </summary>
public static class RelativePositionBuckets
{
    /// <summary>The bucket of one relative position, as the reference computes it.</summary>
    public static int Of(int relative, int buckets, int maxDistance)
    {
        var half = buckets / 2;
        var exact = half / 2;
        var bucket = relative > 0 ? half : 0;
        var distance = Math.Abs(relative);
        if (distance < exact)
        {
            return bucket + distance;
        }

        // The reference evaluates the log in fp32 and truncates; at distances 16, 32 and 64 the quotient is an
        // exact integer in fp32, so doing it in double would move those boundaries.
        var scaled = MathF.Log(distance / (float)exact) / (float)Math.Log(maxDistance / (double)exact) * (half - exact);
        return bucket + Math.Min(half - 1, exact + (int)scaled);
    }

    /// <summary>Bucket of every (query i, key j) pair: <c>[Lq, Lk]</c> int64 on <paramref name="device"/>.</summary>
    public static Tensor Table(long queries, long keys, int buckets, int maxDistance, Device device)
    {
        var byOffset = new long[queries + keys - 1];
        for (var offset = 0; offset < byOffset.Length; offset++)
        {
            byOffset[offset] = Of(offset - (int)(queries - 1), buckets, maxDistance);
        }

        var table = new long[queries * keys];
        for (long i = 0; i < queries; i++)
        {
            Array.Copy(byOffset, queries - 1 - i, table, i * keys, keys);
        }

        return tensor(table, [queries, keys], ScalarType.Int64, device);
    }
}
