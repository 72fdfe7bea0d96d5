using System.Buffers.Binary;

namespace TurboDiffusion.Engine.Tests.Media.BuiltInEncoder;

/// <summary>
/// An MP4 sample of one IDR slice of I_PCM macroblocks read back into padded Y, Cb and Cr planes, following the slice
/// syntax of ITU-T H.264 7.3.3 and 7.3.5 for the parameter sets this encoder writes (CAVLC, frame_num 4 bits,
/// pic_order_cnt_type 2, deblocking control present).
/// </summary>
internal sealed class PcmPicture
{
    private PcmPicture(uint idrPicId, int widthMacroblocks, int heightMacroblocks)
    {
        IdrPicId = idrPicId;
        LumaStride = widthMacroblocks * 16;
        ChromaStride = widthMacroblocks * 8;
        Luma = new byte[LumaStride * heightMacroblocks * 16];
        Cb = new byte[ChromaStride * heightMacroblocks * 8];
        Cr = new byte[ChromaStride * heightMacroblocks * 8];
    }

    public uint IdrPicId { get; }

    public int LumaStride { get; }

    public int ChromaStride { get; }

    public byte[] Luma { get; }

    public byte[] Cb { get; }

    public byte[] Cr { get; }

    /// <summary>The NAL unit of a sample that holds exactly one, after its 4-byte length.</summary>
    public static ReadOnlySpan<byte> NalUnitOf(ReadOnlySpan<byte> sample)
    {
        var length = BinaryPrimitives.ReadUInt32BigEndian(sample);
        Assert.Equal(sample.Length - 4, (int)length);
        return sample[4..];
    }

    public static PcmPicture Parse(ReadOnlySpan<byte> sample, int widthMacroblocks, int heightMacroblocks)
    {
        var nal = NalUnitOf(sample);
        Assert.Equal(0x65, nal[0]); // forbidden_zero_bit 0, nal_ref_idc 3, nal_unit_type 5 (IDR slice)
        var rbsp = BitReader.Rbsp(nal);
        var bits = new BitReader(rbsp);
        Assert.Equal(0u, bits.Unsigned()); // first_mb_in_slice
        Assert.Equal(7u, bits.Unsigned()); // slice_type: I, all slices
        Assert.Equal(0u, bits.Unsigned()); // pic_parameter_set_id
        Assert.Equal(0u, bits.Bits(4)); // frame_num
        var picture = new PcmPicture(bits.Unsigned(), widthMacroblocks, heightMacroblocks);
        bits.Flag(); // no_output_of_prior_pics_flag
        Assert.False(bits.Flag()); // long_term_reference_flag
        bits.Signed(); // slice_qp_delta
        if (bits.Unsigned() != 1)
        {
            bits.Signed();
            bits.Signed();
        }

        for (var macroblock = 0; macroblock < widthMacroblocks * heightMacroblocks; macroblock++)
        {
            Assert.Equal(25u, bits.Unsigned()); // mb_type I_PCM
            bits.SkipAlignmentZeros();
            var samples = rbsp.AsSpan(bits.BytePosition, 384);
            var (column, row) = (macroblock % widthMacroblocks, macroblock / widthMacroblocks);
            Place(samples[..256], picture.Luma, picture.LumaStride, column * 16, row * 16, 16);
            Place(samples.Slice(256, 64), picture.Cb, picture.ChromaStride, column * 8, row * 8, 8);
            Place(samples.Slice(320, 64), picture.Cr, picture.ChromaStride, column * 8, row * 8, 8);
            bits.SkipBytes(384);
        }

        bits.ExpectTrailingBits();
        return picture;
    }

    private static void Place(ReadOnlySpan<byte> block, byte[] plane, int stride, int left, int top, int size)
    {
        for (var y = 0; y < size; y++)
        {
            block.Slice(y * size, size).CopyTo(plane.AsSpan(((top + y) * stride) + left));
        }
    }
}
