namespace TurboDiffusion.Engine.Media.BuiltInEncoder;

/// <summary>
/// One frame as BT.709 limited-range Y, Cb and Cr planes (4:2:0), padded to whole 16x16 macroblocks by repeating
/// the last column and row. The conversion is ffmpeg's <c>scale=out_color_matrix=bt709:out_range=tv</c>, so a
/// video looks the same whichever encoder wrote it; each chroma sample is the mean of its 2x2 block.
/// </summary>
internal sealed class Yuv420Planes
{
    private const int Shift = 16;
    private const int One = 1 << Shift;
    private const double KR = 0.2126;
    private const double KB = 0.0722;
    private const double KG = 1 - KR - KB;
    private const double LumaScale = 219.0 / 255;
    private const double ChromaScale = 224.0 / 255;

    // Fixed point with 16 fractional bits. Green takes what rounding left over, so that grey has chroma of exactly
    // 128 and white a luma of exactly 235.
    private static readonly int YR = Fixed(KR * LumaScale);
    private static readonly int YB = Fixed(KB * LumaScale);
    private static readonly int YG = Fixed(LumaScale) - YR - YB;
    private static readonly int CbR = Fixed(-KR / (2 * (1 - KB)) * ChromaScale);
    private static readonly int CbB = Fixed(ChromaScale / 2);
    private static readonly int CbG = -CbR - CbB;
    private static readonly int CrR = Fixed(ChromaScale / 2);
    private static readonly int CrB = Fixed(-KB / (2 * (1 - KR)) * ChromaScale);
    private static readonly int CrG = -CrR - CrB;

    public Yuv420Planes(int width, int height)
    {
        Width = width;
        Height = height;
        LumaStride = Macroblocks(width) * 16;
        LumaRows = Macroblocks(height) * 16;
        ChromaStride = LumaStride / 2;
        ChromaRows = LumaRows / 2;
        Luma = new byte[LumaStride * LumaRows];
        Cb = new byte[ChromaStride * ChromaRows];
        Cr = new byte[ChromaStride * ChromaRows];
    }

    /// <summary>The picture's size; even, as 4:2:0 needs.</summary>
    public int Width { get; }

    public int Height { get; }

    public int LumaStride { get; }

    public int LumaRows { get; }

    public int ChromaStride { get; }

    public int ChromaRows { get; }

    public byte[] Luma { get; }

    public byte[] Cb { get; }

    public byte[] Cr { get; }

    public static int Macroblocks(int pixels) => (pixels + 15) / 16;

    /// <summary>Converts an RGB24 <c>[H, W, 3]</c> frame of <see cref="Width"/> x <see cref="Height"/> into the planes.</summary>
    public void ConvertFrom(ReadOnlySpan<byte> rgb)
    {
        ConvertLuma(rgb);
        ConvertChroma(rgb);
        Pad(Luma, LumaStride, LumaRows, Width, Height);
        Pad(Cb, ChromaStride, ChromaRows, Width / 2, Height / 2);
        Pad(Cr, ChromaStride, ChromaRows, Width / 2, Height / 2);
    }

    private static int Fixed(double coefficient) => (int)Math.Round(coefficient * One);

    // Rounding of the coefficients must never take a sample outside the limited range: the slices rely on no
    // sample being zero (see H264PcmSlice).
    private static byte Limit(int value, byte min, byte max) => (byte)Math.Clamp(value, min, max);

    /// <summary>Repeats the last real column and row into the macroblock padding.</summary>
    private static void Pad(byte[] plane, int stride, int rows, int width, int height)
    {
        for (var y = 0; y < height; y++)
        {
            var row = plane.AsSpan(y * stride, stride);
            row[width..].Fill(row[width - 1]);
        }

        var last = plane.AsSpan((height - 1) * stride, stride);
        for (var y = height; y < rows; y++)
        {
            last.CopyTo(plane.AsSpan(y * stride, stride));
        }
    }

    private void ConvertLuma(ReadOnlySpan<byte> rgb)
    {
        const int Offset = (Bt709.LumaMin << Shift) + (One / 2);
        for (var y = 0; y < Height; y++)
        {
            var source = rgb.Slice(y * Width * 3, Width * 3);
            var target = Luma.AsSpan(y * LumaStride, Width);
            for (var x = 0; x < target.Length; x++)
            {
                var pixel = source.Slice(x * 3, 3);
                target[x] = Limit(((YR * pixel[0]) + (YG * pixel[1]) + (YB * pixel[2]) + Offset) >> Shift, Bt709.LumaMin, Bt709.LumaMax);
            }
        }
    }

    private void ConvertChroma(ReadOnlySpan<byte> rgb)
    {
        // Each sum covers four pixels: two more bits of shift make the mean.
        const int SumShift = Shift + 2;
        const int Offset = (128 << SumShift) + (1 << (SumShift - 1));
        var rowBytes = Width * 3;
        for (var y = 0; y < Height / 2; y++)
        {
            var top = rgb.Slice(2 * y * rowBytes, rowBytes);
            var bottom = rgb.Slice(((2 * y) + 1) * rowBytes, rowBytes);
            var cb = Cb.AsSpan(y * ChromaStride, Width / 2);
            var cr = Cr.AsSpan(y * ChromaStride, Width / 2);
            for (var x = 0; x < cb.Length; x++)
            {
                var i = x * 6;
                var r = top[i] + top[i + 3] + bottom[i] + bottom[i + 3];
                var g = top[i + 1] + top[i + 4] + bottom[i + 1] + bottom[i + 4];
                var b = top[i + 2] + top[i + 5] + bottom[i + 2] + bottom[i + 5];
                cb[x] = Limit(((CbR * r) + (CbG * g) + (CbB * b) + Offset) >> SumShift, Bt709.ChromaMin, Bt709.ChromaMax);
                cr[x] = Limit(((CrR * r) + (CrG * g) + (CrB * b) + Offset) >> SumShift, Bt709.ChromaMin, Bt709.ChromaMax);
            }
        }
    }
}
