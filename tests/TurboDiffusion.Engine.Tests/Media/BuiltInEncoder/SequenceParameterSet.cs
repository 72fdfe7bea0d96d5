namespace TurboDiffusion.Engine.Tests.Media.BuiltInEncoder;

/// <summary>The fields of a Baseline-family SPS and its VUI (ITU-T H.264 7.3.2.1.1, E.1.1) that a test checks.</summary>
internal sealed record SequenceParameterSet
{
    public uint ProfileIdc { get; init; }

    public uint ConstraintFlags { get; init; }

    public uint LevelIdc { get; init; }

    public uint Log2MaxFrameNum { get; init; }

    public uint PicOrderCntType { get; init; }

    public uint MaxNumRefFrames { get; init; }

    public uint WidthInMacroblocks { get; init; }

    public uint HeightInMacroblocks { get; init; }

    public bool FrameMbsOnly { get; init; }

    public (uint Left, uint Right, uint Top, uint Bottom) Crop { get; init; }

    public uint AspectRatioIdc { get; init; }

    public bool VideoSignalTypePresent { get; init; }

    public uint VideoFormat { get; init; }

    public bool FullRange { get; init; }

    public (uint Primaries, uint Transfer, uint Matrix) Colour { get; init; }

    public (uint Top, uint Bottom)? ChromaLocation { get; init; }

    public (uint NumUnitsInTick, uint TimeScale, bool Fixed)? Timing { get; init; }

    public uint MaxNumReorderFrames { get; init; }

    public uint MaxDecFrameBuffering { get; init; }

    /// <summary>Parses an SPS NAL unit, failing the test on anything this encoder should never write.</summary>
    public static SequenceParameterSet Parse(ReadOnlySpan<byte> nalUnit)
    {
        Assert.Equal(0x67, nalUnit[0]);
        var bits = new BitReader(BitReader.Rbsp(nalUnit));
        var profile = bits.Bits(8);
        var constraints = bits.Bits(8);
        var level = bits.Bits(8);
        Assert.Equal(0u, bits.Unsigned());
        var log2MaxFrameNum = bits.Unsigned() + 4;
        var pocType = bits.Unsigned();
        Assert.Equal(2u, pocType);
        var refFrames = bits.Unsigned();
        Assert.False(bits.Flag());
        var width = bits.Unsigned() + 1;
        var height = bits.Unsigned() + 1;
        var frameMbsOnly = bits.Flag();
        Assert.True(frameMbsOnly);
        bits.Flag();
        var crop = bits.Flag() ? (bits.Unsigned(), bits.Unsigned(), bits.Unsigned(), bits.Unsigned()) : (0u, 0u, 0u, 0u);
        Assert.True(bits.Flag(), "the SPS has no VUI");
        var sps = new SequenceParameterSet
        {
            ProfileIdc = profile,
            ConstraintFlags = constraints,
            LevelIdc = level,
            Log2MaxFrameNum = log2MaxFrameNum,
            PicOrderCntType = pocType,
            MaxNumRefFrames = refFrames,
            WidthInMacroblocks = width,
            HeightInMacroblocks = height,
            FrameMbsOnly = frameMbsOnly,
            Crop = crop,
        };
        sps = WithVui(sps, bits);
        bits.ExpectTrailingBits();
        return sps;
    }

    private static SequenceParameterSet WithVui(SequenceParameterSet sps, BitReader bits)
    {
        var aspect = bits.Flag() ? bits.Bits(8) : 0;
        Assert.NotEqual(255u, aspect);
        Assert.False(bits.Flag(), "overscan info is not written");
        var signal = bits.Flag();
        var (format, fullRange, colour) = (5u, false, (2u, 2u, 2u));
        if (signal)
        {
            format = bits.Bits(3);
            fullRange = bits.Flag();
            if (bits.Flag())
            {
                colour = (bits.Bits(8), bits.Bits(8), bits.Bits(8));
            }
        }

        (uint, uint)? chroma = bits.Flag() ? (bits.Unsigned(), bits.Unsigned()) : null;
        (uint, uint, bool)? timing = bits.Flag() ? (bits.Bits(32), bits.Bits(32), bits.Flag()) : null;
        Assert.False(bits.Flag(), "NAL HRD parameters are not written");
        Assert.False(bits.Flag(), "VCL HRD parameters are not written");
        Assert.False(bits.Flag(), "pic_struct is not written");
        var (reorder, buffering) = (uint.MaxValue, uint.MaxValue);
        if (bits.Flag())
        {
            bits.Flag();
            bits.Unsigned();
            bits.Unsigned();
            Assert.InRange(bits.Unsigned(), 0u, 15u);
            Assert.InRange(bits.Unsigned(), 0u, 15u);
            reorder = bits.Unsigned();
            buffering = bits.Unsigned();
        }

        return sps with
        {
            AspectRatioIdc = aspect,
            VideoSignalTypePresent = signal,
            VideoFormat = format,
            FullRange = fullRange,
            Colour = colour,
            ChromaLocation = chroma,
            Timing = timing,
            MaxNumReorderFrames = reorder,
            MaxDecFrameBuffering = buffering,
        };
    }
}
