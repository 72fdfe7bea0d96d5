using TurboDiffusion.Engine.Media.BuiltInEncoder;

namespace TurboDiffusion.Engine.Tests.Media.BuiltInEncoder;

/// <summary>The built-in encoder's files read back box by box and bit by bit, without ffmpeg.</summary>
public sealed class BuiltInMp4FileTests : IDisposable
{
    private const int Frames = 17;

    private static readonly byte[] TwoZeros = [0, 0];

    private readonly TemporaryDirectory directory = new();

    [Fact]
    public void The_file_is_ftyp_then_moov_then_an_mdat_that_the_samples_fill_to_the_end()
    {
        var clip = Gradient(256, 144);
        var file = clip.File;

        var boxes = file.TopLevel();

        Assert.Equal(["ftyp", "moov", "mdat"], boxes.Select(box => box.Type));
        Assert.Equal("isom", file.FourCc(boxes[0].BodyStart));
        var mdat = boxes[2];
        Assert.Equal(file.Bytes.Length, mdat.End);
        Assert.Equal(mdat.BodyStart, (int)clip.ChunkOffset);
        Assert.Equal(Frames, (int)clip.SampleCount);
        Assert.Equal(mdat.End - mdat.BodyStart, (long)clip.SampleSize * Frames);
    }

    [Fact]
    public void Every_frame_lasts_exactly_a_sixteenth_of_a_second_and_every_sample_is_a_sync_sample()
    {
        var file = Gradient(256, 144).File;

        var mdhd = file.Find("moov/trak/mdia/mdhd");
        var (timescale, duration) = (file.UInt32(mdhd.FullBoxBody + 8), file.UInt32(mdhd.FullBoxBody + 12));
        var stts = file.Find(BuiltInClip.SampleTable + "/stts").FullBoxBody;
        var mvhd = file.Find("moov/mvhd").FullBoxBody;
        var tkhd = file.Find("moov/trak/tkhd").FullBoxBody;

        Assert.Equal(0, file.Version(mdhd));
        Assert.Equal(1u, file.UInt32(stts));
        Assert.Equal((uint)Frames, file.UInt32(stts + 4));
        Assert.Equal(timescale, file.UInt32(stts + 8) * 16);
        Assert.Equal(file.UInt32(stts + 8) * Frames, duration);
        Assert.Equal((timescale, duration), (file.UInt32(mvhd + 8), file.UInt32(mvhd + 12)));
        Assert.Equal(duration, file.UInt32(tkhd + 16));
        Assert.Equal("vide", file.FourCc(file.Find("moov/trak/mdia/hdlr").FullBoxBody + 4));

        // Without stss every sample is a sync sample (ISO/IEC 14496-12 8.6.2), as every one is an IDR picture.
        Assert.False(file.Contains(BuiltInClip.SampleTable, "stss"));
    }

    [Fact]
    public void The_sample_entry_holds_constrained_baseline_avcC_and_colr_nclx_bt709_limited_range()
    {
        var clip = Gradient(256, 144);
        var file = clip.File;

        var avc1 = file.Find(BuiltInClip.SampleEntry);
        var avcC = file.Find(BuiltInClip.SampleEntry + "/avcC").BodyStart;
        var colr = file.Find(BuiltInClip.SampleEntry + "/colr").BodyStart;
        var (sps, pps) = clip.ParameterSets();

        Assert.Equal((256, 144), (file.UInt16(avc1.BodyStart + 24), file.UInt16(avc1.BodyStart + 26)));
        Assert.Equal([1, 66, 0xC0, 30, 0xFF], file.Span(avcC, 5).ToArray());
        Assert.Equal([66, 0xC0, 30], sps[1..4]);
        Assert.Equal(0x68, pps[0]);
        Assert.Equal("nclx", file.FourCc(colr));
        Assert.Equal((1, 1, 1), (file.UInt16(colr + 4), file.UInt16(colr + 6), file.UInt16(colr + 8)));
        Assert.Equal(0, file.UInt8(colr + 10) & 0x80);
        Assert.Equal(colr + 11, file.Find(BuiltInClip.SampleEntry + "/colr").End);
    }

    [Theory]
    [InlineData(256, 144, 16, 9, 0, 0, 30)]
    [InlineData(40, 24, 3, 2, 4, 4, 12)]
    [InlineData(832, 480, 52, 30, 0, 0, 50)]
    [InlineData(1280, 720, 80, 45, 0, 0, 51)]
    public void The_sps_gives_the_macroblocks_the_crop_bt709_limited_range_16_fps_and_no_reordering(
        int width, int height, uint widthMacroblocks, uint heightMacroblocks, uint cropRight, uint cropBottom, uint level)
    {
        var clip = BuiltInClip.Write(directory.File("clip.mp4"), width, height, [TestFrames.MovingGradient(width, height, 0)]);

        var sps = SequenceParameterSet.Parse(clip.ParameterSets().Sps);

        Assert.Equal((66u, 0xC0u, level), (sps.ProfileIdc, sps.ConstraintFlags, sps.LevelIdc));
        Assert.Equal((widthMacroblocks, heightMacroblocks), (sps.WidthInMacroblocks, sps.HeightInMacroblocks));
        Assert.Equal((0u, cropRight, 0u, cropBottom), sps.Crop);
        Assert.Equal(1u, sps.AspectRatioIdc);
        Assert.True(sps.VideoSignalTypePresent);
        Assert.False(sps.FullRange);
        Assert.Equal((1u, 1u, 1u), sps.Colour);
        Assert.Equal((1u, 1u), sps.ChromaLocation);
        Assert.Equal((1u, 32u, true), sps.Timing);
        Assert.Equal((0u, 1u), (sps.MaxNumReorderFrames, sps.MaxDecFrameBuffering));
        Assert.Equal(1u, sps.MaxNumRefFrames);
        Assert.Equal(4u, sps.Log2MaxFrameNum);
    }

    [Fact]
    public void No_slice_holds_two_zero_bytes_in_a_row_so_none_needs_emulation_prevention()
    {
        const int Width = 48;
        const int Height = 32;
        byte[][] frames =
        [
            BuiltInClip.Solid(Width, Height, 0, 0, 0),
            BuiltInClip.Solid(Width, Height, 255, 255, 255),
            BuiltInClip.Solid(Width, Height, 255, 0, 0),
            BuiltInClip.Solid(Width, Height, 0, 255, 0),
            BuiltInClip.Solid(Width, Height, 0, 0, 255),
            .. Enumerable.Range(0, 8).Select(seed => TestFrames.Random(Width, Height, seed)),
        ];
        var clip = BuiltInClip.Write(directory.File("clip.mp4"), Width, Height, frames);

        for (var i = 0; i < frames.Length; i++)
        {
            var nal = PcmPicture.NalUnitOf(clip.Sample(i));
            var pair = nal.IndexOf(TwoZeros);
            Assert.True(pair < 0, $"sample {i} holds 00 00 at byte {pair} of its NAL unit");
        }
    }

    [Theory]
    [InlineData(0, 0, 0, 16, 128, 128)]
    [InlineData(255, 255, 255, 235, 128, 128)]
    [InlineData(128, 128, 128, 126, 128, 128)]
    [InlineData(255, 0, 0, 63, 102, 240)]
    [InlineData(0, 255, 0, 173, 42, 26)]
    [InlineData(0, 0, 255, 32, 240, 118)]
    public void Pixels_become_bt709_limited_range_samples_in_idr_slices_of_i_pcm_macroblocks(byte r, byte g, byte b, byte y, byte cb, byte cr)
    {
        var frame = BuiltInClip.Solid(40, 24, r, g, b);
        var clip = BuiltInClip.Write(directory.File("clip.mp4"), 40, 24, [frame, frame]);

        var pictures = Enumerable.Range(0, 2).Select(i => PcmPicture.Parse(clip.Sample(i), 3, 2)).ToList();

        Assert.All(pictures[0].Luma, sample => Assert.Equal(y, sample));
        Assert.All(pictures[0].Cb, sample => Assert.Equal(cb, sample));
        Assert.All(pictures[0].Cr, sample => Assert.Equal(cr, sample));
        Assert.NotEqual(pictures[0].IdrPicId, pictures[1].IdrPicId);
    }

    [Fact]
    public void Chroma_is_the_mean_of_each_2x2_block_and_padding_repeats_the_last_column_and_row()
    {
        const int Width = 40;
        const int Height = 24;
        var frame = TestFrames.MovingGradient(Width, Height, 0);
        var red = BuiltInClip.Solid(2, 2, 255, 0, 0);
        var blue = BuiltInClip.Solid(2, 2, 0, 0, 255);

        // The top-left 2x2 block: red and blue columns, whose chroma means are (171, 179).
        red.AsSpan(0, 3).CopyTo(frame.AsSpan(0));
        blue.AsSpan(0, 3).CopyTo(frame.AsSpan(3));
        red.AsSpan(0, 3).CopyTo(frame.AsSpan(Width * 3));
        blue.AsSpan(0, 3).CopyTo(frame.AsSpan((Width * 3) + 3));
        var picture = PcmPicture.Parse(BuiltInClip.Write(directory.File("clip.mp4"), Width, Height, [frame]).Sample(0), 3, 2);

        Assert.Equal((63, 32), (picture.Luma[0], picture.Luma[1]));
        Assert.Equal((171, 179), (picture.Cb[0], picture.Cr[0]));
        AssertPadded(picture.Luma, picture.LumaStride, Width, Height);
        AssertPadded(picture.Cb, picture.ChromaStride, Width / 2, Height / 2);
        AssertPadded(picture.Cr, picture.ChromaStride, Width / 2, Height / 2);
    }

    [Fact]
    public void The_header_has_the_same_length_for_any_frame_count_so_it_can_be_reserved()
    {
        var encoder = new H264PcmEncoder(1280, 720, 16);

        var empty = Mp4Header.For(encoder, 0);
        var full = Mp4Header.For(encoder, Mp4Header.MaxFrames);

        Assert.Equal(empty.Length, full.Length);
        Assert.NotEqual(empty, full);
    }

    public void Dispose() => directory.Dispose();

    private static void AssertPadded(byte[] plane, int stride, int width, int height)
    {
        var rows = plane.Length / stride;
        for (var y = 0; y < rows; y++)
        {
            var source = Math.Min(y, height - 1);
            for (var x = 0; x < stride; x++)
            {
                var expected = plane[(source * stride) + Math.Min(x, width - 1)];
                Assert.True(expected == plane[(y * stride) + x], $"sample ({x}, {y}) of a {width}x{height} plane padded to {stride}x{rows}");
            }
        }
    }

    private BuiltInClip Gradient(int width, int height) =>
        BuiltInClip.Write(directory.File("clip.mp4"), width, height, Enumerable.Range(0, Frames).Select(frame => TestFrames.MovingGradient(width, height, frame)));
}
