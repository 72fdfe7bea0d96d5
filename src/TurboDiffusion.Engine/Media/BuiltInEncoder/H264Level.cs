namespace TurboDiffusion.Engine.Media.BuiltInEncoder;

/// <summary>
/// An H.264 level's limits (ITU-T H.264 Table A-1). Decoders size their buffers and reject streams by level, so
/// the stream claims the lowest level whose every limit its frame size, macroblock rate and bit rate meet.
/// </summary>
/// <param name="Idc">level_idc: ten times the level number (51 is level 5.1).</param>
/// <param name="MaxMacroblocksPerSecond">MaxMBPS.</param>
/// <param name="MaxFrameMacroblocks">MaxFS.</param>
/// <param name="MaxDpbMacroblocks">MaxDpbMbs.</param>
/// <param name="MaxBitRate">MaxBR, in units of <see cref="BitRateUnit"/> bits per second.</param>
/// <param name="MaxCpbSize">MaxCPB, in units of <see cref="BitRateUnit"/> bits.</param>
/// <param name="MinCompressionRatio">MinCR: caps an access unit's bytes by the macroblock rate (A.3.1).</param>
internal sealed record H264Level(
    int Idc, long MaxMacroblocksPerSecond, long MaxFrameMacroblocks, long MaxDpbMacroblocks, long MaxBitRate, long MaxCpbSize, int MinCompressionRatio)
{
    /// <summary>cpbBrNalFactor of the Baseline profiles (Table A-2): the limits count whole NAL units.</summary>
    public const long BitRateUnit = 1200;

    /// <summary>Level 1b is left out: Baseline signals it through constraint_set3_flag, and no frame needs it.</summary>
    public static IReadOnlyList<H264Level> All { get; } =
    [
        new(10, 1_485, 99, 396, 64, 175, 2),
        new(11, 3_000, 396, 900, 192, 500, 2),
        new(12, 6_000, 396, 2_376, 384, 1_000, 2),
        new(13, 11_880, 396, 2_376, 768, 2_000, 2),
        new(20, 11_880, 396, 2_376, 2_000, 2_000, 2),
        new(21, 19_800, 792, 4_752, 4_000, 4_000, 2),
        new(22, 20_250, 1_620, 8_100, 4_000, 4_000, 2),
        new(30, 40_500, 1_620, 8_100, 10_000, 10_000, 2),
        new(31, 108_000, 3_600, 18_000, 14_000, 14_000, 4),
        new(32, 216_000, 5_120, 20_480, 20_000, 20_000, 4),
        new(40, 245_760, 8_192, 32_768, 20_000, 25_000, 4),
        new(41, 245_760, 8_192, 32_768, 50_000, 62_500, 2),
        new(42, 522_240, 8_704, 34_816, 50_000, 62_500, 2),
        new(50, 589_824, 22_080, 110_400, 135_000, 135_000, 2),
        new(51, 983_040, 36_864, 184_320, 240_000, 240_000, 2),
        new(52, 2_073_600, 36_864, 184_320, 240_000, 240_000, 2),
        new(60, 4_177_920, 139_264, 696_320, 240_000, 240_000, 2),
        new(61, 8_355_840, 139_264, 696_320, 480_000, 480_000, 2),
        new(62, 16_711_680, 139_264, 696_320, 800_000, 800_000, 2),
    ];

    /// <summary>The lowest level that admits every frame of this size at this rate.</summary>
    /// <param name="accessUnitBytes">The bytes of every NAL unit of one frame.</param>
    /// <exception cref="ArgumentException">No level admits it: the frames are too large or too frequent for H.264.</exception>
    public static H264Level For(int widthMacroblocks, int heightMacroblocks, int framesPerSecond, long accessUnitBytes) =>
        All.FirstOrDefault(level => level.Admits(widthMacroblocks, heightMacroblocks, framesPerSecond, accessUnitBytes))
        ?? throw new ArgumentException(
            $"{widthMacroblocks * 16}x{heightMacroblocks * 16} uncompressed H.264 at {framesPerSecond} fps " +
            $"({accessUnitBytes * 8 * framesPerSecond / 1_000_000} Mbit/s) exceeds every H.264 level; use ffmpeg for this size.");

    public bool Admits(int widthMacroblocks, int heightMacroblocks, int framesPerSecond, long accessUnitBytes)
    {
        var frameMacroblocks = (long)widthMacroblocks * heightMacroblocks;
        var accessUnitBits = accessUnitBytes * 8;
        return frameMacroblocks <= MaxFrameMacroblocks
            && (long)widthMacroblocks * widthMacroblocks <= 8 * MaxFrameMacroblocks
            && (long)heightMacroblocks * heightMacroblocks <= 8 * MaxFrameMacroblocks
            && frameMacroblocks <= MaxDpbMacroblocks
            && frameMacroblocks * framesPerSecond <= MaxMacroblocksPerSecond
            && accessUnitBits * framesPerSecond <= MaxBitRate * BitRateUnit
            && accessUnitBits <= MaxCpbSize * BitRateUnit
            && accessUnitBytes * framesPerSecond * MinCompressionRatio <= 384 * MaxMacroblocksPerSecond;
    }
}
