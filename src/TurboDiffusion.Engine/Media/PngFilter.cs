namespace TurboDiffusion.Engine.Media;

/// <summary>
/// The five PNG row filters. Each byte is stored as its difference from a prediction made from
/// <c>a</c> (the byte one pixel left), <c>b</c> (the byte above) and <c>c</c> (above-left); the
/// first row's "above" is zeros and the first pixel's "left" is zero.
/// </summary>
internal enum PngFilter : byte
{
    None,
    Sub,
    Up,
    Average,
    Paeth,
}

internal static class PngFilters
{
    /// <summary>Reverses <paramref name="filter"/> on <paramref name="row"/> in place; <paramref name="stride"/> is bytes per pixel (at least 1).</summary>
    public static void Unfilter(PngFilter filter, Span<byte> row, ReadOnlySpan<byte> previous, int stride)
    {
        for (var i = 0; i < row.Length; i++)
        {
            var a = i >= stride ? row[i - stride] : (byte)0;
            var c = i >= stride ? previous[i - stride] : (byte)0;
            row[i] = (byte)(row[i] + Predict(filter, a, previous[i], c));
        }
    }

    /// <summary>Applies <paramref name="filter"/> to <paramref name="row"/> into <paramref name="filtered"/>.</summary>
    public static void Apply(PngFilter filter, ReadOnlySpan<byte> row, ReadOnlySpan<byte> previous, int stride, Span<byte> filtered)
    {
        for (var i = 0; i < row.Length; i++)
        {
            var a = i >= stride ? row[i - stride] : (byte)0;
            var c = i >= stride ? previous[i - stride] : (byte)0;
            filtered[i] = (byte)(row[i] - Predict(filter, a, previous[i], c));
        }
    }

    /// <summary>
    /// The filter whose output has the smallest sum of absolute values (bytes read as signed), the
    /// heuristic the PNG specification recommends: small residuals compress best.
    /// </summary>
    public static PngFilter Choose(ReadOnlySpan<byte> row, ReadOnlySpan<byte> previous, int stride, Span<byte> scratch)
    {
        var best = PngFilter.None;
        var bestCost = long.MaxValue;
        foreach (var filter in Enum.GetValues<PngFilter>())
        {
            Apply(filter, row, previous, stride, scratch);
            var cost = 0L;
            foreach (var b in scratch[..row.Length])
            {
                cost += Math.Abs((int)(sbyte)b);
            }

            if (cost < bestCost)
            {
                (best, bestCost) = (filter, cost);
            }
        }

        return best;
    }

    private static int Predict(PngFilter filter, byte a, byte b, byte c) => filter switch
    {
        PngFilter.None => 0,
        PngFilter.Sub => a,
        PngFilter.Up => b,
        PngFilter.Average => (a + b) >> 1,
        PngFilter.Paeth => Paeth(a, b, c),
        _ => throw new ArgumentOutOfRangeException(nameof(filter), filter, "PNG defines filter types 0 to 4."),
    };

    private static int Paeth(byte a, byte b, byte c)
    {
        var p = a + b - c;
        var pa = Math.Abs(p - a);
        var pb = Math.Abs(p - b);
        var pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
