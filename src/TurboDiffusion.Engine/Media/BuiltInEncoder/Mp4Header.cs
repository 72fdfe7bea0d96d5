namespace TurboDiffusion.Engine.Media.BuiltInEncoder;

/// <summary>
/// Everything of a one-track MP4 before its first sample: <c>ftyp</c>, <c>moov</c> (the index, first, so playback
/// can start while the file downloads) and the header of <c>mdat</c>, whose samples follow it as one chunk.
/// </summary>
/// <remarks>
/// Every field is fixed-size and every sample the same size, so the header's length does not depend on the frame
/// count: a writer reserves it, streams samples behind it, and writes it again with the count at the end. That is
/// why <c>stsz</c> gives one size for all samples and there is no <c>stss</c>: without it every sample is a sync
/// sample, as every one here is an IDR picture.
/// </remarks>
internal static class Mp4Header
{
    /// <summary>A frame lasts this many ticks of the track's timescale (1000 ticks a frame: exact at any whole rate).</summary>
    public const uint TicksPerFrame = 1000;

    /// <summary>The most frames whose duration in ticks fits the 32-bit duration fields.</summary>
    public const int MaxFrames = (int)(uint.MaxValue / TicksPerFrame);

    /// <summary>mdat's header with a 64-bit size: its size is not known when it is reserved.</summary>
    private const int MediaDataHeaderBytes = 16;

    /// <summary>ISO 639-2 "und" (undetermined), as three 5-bit letters.</summary>
    private const ushort UndeterminedLanguage = (('u' - 0x60) << 10) | (('n' - 0x60) << 5) | ('d' - 0x60);

    private const uint FixedOne = 0x0001_0000;

    private static readonly uint[] IdentityMatrix = [FixedOne, 0, 0, 0, FixedOne, 0, 0, 0, 0x4000_0000];

    public static byte[] For(H264PcmEncoder encoder, int frames)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(frames);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(frames, MaxFrames);

        // The chunk's offset is the header's own length, which no field's value changes.
        var length = Write(encoder, frames, chunkOffset: 0).Length;
        return Write(encoder, frames, (uint)length);
    }

    private static byte[] Write(H264PcmEncoder encoder, int frames, uint chunkOffset)
    {
        var timescale = (uint)encoder.FramesPerSecond * TicksPerFrame;
        var duration = (uint)frames * TicksPerFrame;
        var mp4 = new Mp4BoxWriter();
        mp4.Box("ftyp", ftyp => ftyp.FourCc("isom").UInt32(0x200).FourCc("isom").FourCc("iso2").FourCc("avc1").FourCc("mp41"));
        mp4.Box("moov", moov =>
        {
            moov.FullBox("mvhd", 0, 0, mvhd =>
            {
                mvhd.UInt32(0).UInt32(0).UInt32(timescale).UInt32(duration);
                mvhd.UInt32(FixedOne).UInt16(0x0100).Zeros(10);
                Matrix(mvhd);
                mvhd.Zeros(24).UInt32(2); // pre_defined, next_track_ID
            });
            moov.Box("trak", trak => Track(trak, encoder, frames, timescale, duration, chunkOffset));
        });
        mp4.UInt32(1).FourCc("mdat").UInt64(MediaDataHeaderBytes + ((ulong)frames * (ulong)encoder.SampleBytes));
        return mp4.ToArray();
    }

    private static void Track(Mp4BoxWriter trak, H264PcmEncoder encoder, int frames, uint timescale, uint duration, uint chunkOffset)
    {
        const uint Enabled = 1;
        const uint InMovie = 2;
        trak.FullBox("tkhd", 0, Enabled | InMovie, tkhd =>
        {
            tkhd.UInt32(0).UInt32(0).UInt32(1).UInt32(0).UInt32(duration); // times, track_ID, reserved, duration
            tkhd.Zeros(8).UInt16(0).UInt16(0).UInt16(0).UInt16(0); // reserved, layer, alternate_group, volume, reserved
            Matrix(tkhd);
            tkhd.UInt32((uint)encoder.Width << 16).UInt32((uint)encoder.Height << 16);
        });
        trak.Box("mdia", mdia =>
        {
            mdia.FullBox("mdhd", 0, 0, mdhd => mdhd.UInt32(0).UInt32(0).UInt32(timescale).UInt32(duration).UInt16(UndeterminedLanguage).UInt16(0));
            mdia.FullBox("hdlr", 0, 0, hdlr => hdlr.UInt32(0).FourCc("vide").Zeros(12).Bytes("VideoHandler\0"u8));
            mdia.Box("minf", minf =>
            {
                minf.FullBox("vmhd", 0, 1, vmhd => vmhd.Zeros(8));
                minf.Box("dinf", dinf => dinf.FullBox("dref", 0, 0, dref => dref.UInt32(1).FullBox("url ", 0, 1, _ => { })));
                minf.Box("stbl", stbl => SampleTable(stbl, encoder, frames, chunkOffset));
            });
        });
    }

    private static void SampleTable(Mp4BoxWriter stbl, H264PcmEncoder encoder, int frames, uint chunkOffset)
    {
        stbl.FullBox("stsd", 0, 0, stsd => stsd.UInt32(1).Box("avc1", avc1 => SampleEntry(avc1, encoder)));
        stbl.FullBox("stts", 0, 0, stts => stts.UInt32(1).UInt32((uint)frames).UInt32(TicksPerFrame));
        stbl.FullBox("stsc", 0, 0, stsc => stsc.UInt32(1).UInt32(1).UInt32((uint)frames).UInt32(1));
        stbl.FullBox("stsz", 0, 0, stsz => stsz.UInt32((uint)encoder.SampleBytes).UInt32((uint)frames));
        stbl.FullBox("stco", 0, 0, stco => stco.UInt32(1).UInt32(chunkOffset));
    }

    /// <summary>The visual sample entry (14496-12 12.1.3) with avcC (14496-15 5.3.3) and colr nclx.</summary>
    private static void SampleEntry(Mp4BoxWriter avc1, H264PcmEncoder encoder)
    {
        const uint SeventyTwoDpi = 0x0048_0000;
        const ushort Colour24Bit = 0x0018;
        avc1.Zeros(6).UInt16(1); // reserved, data_reference_index
        avc1.Zeros(16).UInt16((ushort)encoder.Width).UInt16((ushort)encoder.Height);
        avc1.UInt32(SeventyTwoDpi).UInt32(SeventyTwoDpi).UInt32(0).UInt16(1); // resolutions, reserved, frame_count
        avc1.Zeros(32).UInt16(Colour24Bit).UInt16(0xFFFF); // compressorname, depth, pre_defined
        avc1.Box("avcC", avcC =>
        {
            var sets = encoder.ParameterSets;
            avcC.UInt8(1).UInt8(H264PcmParameterSets.ProfileIdc).UInt8(H264PcmParameterSets.ConstraintFlags).UInt8((byte)encoder.Level.Idc);
            avcC.UInt8(0b1111_1100 | (H264PcmSlice.LengthPrefixBytes - 1));
            avcC.UInt8(0b1110_0000 | 1).UInt16((ushort)sets.Sequence.Length).Bytes(sets.Sequence);
            avcC.UInt8(1).UInt16((ushort)sets.Picture.Length).Bytes(sets.Picture);
        });
        avc1.Box("colr", colr => colr
            .FourCc("nclx")
            .UInt16(Bt709.ColourPrimaries)
            .UInt16(Bt709.TransferCharacteristics)
            .UInt16(Bt709.MatrixCoefficients)
            .UInt8(Bt709.FullRange ? (byte)0x80 : (byte)0));
    }

    private static void Matrix(Mp4BoxWriter box)
    {
        foreach (var value in IdentityMatrix)
        {
            box.UInt32(value);
        }
    }
}
