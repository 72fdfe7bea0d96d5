using System.Buffers.Binary;

namespace TurboDiffusion.Engine.Media.BuiltInEncoder;

/// <summary>
/// A picture as one IDR slice of I_PCM macroblocks (ITU-T H.264 7.3.3, 7.3.5): each macroblock is its mb_type, zero
/// bits to the byte boundary and its 384 samples as they are, so every picture of a size takes the same bytes.
/// </summary>
/// <remarks>
/// The slice is written without emulation prevention, because none is needed: its header bytes hold no zero
/// byte, the bytes between macroblocks are <c>0D 00</c> between two samples, the last byte is <c>80</c>, and a
/// limited-range sample is never below 16. So <c>00 00</c> never occurs, and a sample's size never depends on its
/// pixels. Tests scan every slice for <c>00 00</c>.
/// </remarks>
internal sealed class H264PcmSlice
{
    /// <summary>mb_type 25 in an I slice.</summary>
    private const uint IPcm = 25;

    /// <summary>slice_type 7: I, and every other slice of the picture is I too.</summary>
    private const uint AllIntra = 7;

    /// <summary>disable_deblocking_filter_idc 1: I_PCM samples are exact, there is nothing to smooth.</summary>
    private const uint DeblockingOff = 1;

    /// <summary>An MP4 sample's NAL units are preceded by their length in this many bytes (avcC lengthSizeMinusOne + 1).</summary>
    public const int LengthPrefixBytes = 4;

    private const int LumaSamples = 16 * 16;
    private const int ChromaSamples = 8 * 8;
    private const int MacroblockSamples = LumaSamples + (2 * ChromaSamples);

    private static readonly byte[] MacroblockPrefix = new BitWriter().Unsigned(IPcm).AlignWithZeros().ToArray();
    private static readonly byte[] Trailer = new BitWriter().TrailingBits().ToArray();

    /// <summary>
    /// Slice headers with the first macroblock's mb_type, for even and odd frames. Consecutive IDR pictures must
    /// differ in idr_pic_id; 1 and 2 take the same three bits, so every header has the same length.
    /// </summary>
    private readonly byte[][] headers = [Header(idrPicId: 1), Header(idrPicId: 2)];

    private readonly int macroblocks;

    public H264PcmSlice(int widthMacroblocks, int heightMacroblocks)
    {
        macroblocks = widthMacroblocks * heightMacroblocks;
        NalUnitBytes = 1 + headers[0].Length + (macroblocks * MacroblockSamples) + ((macroblocks - 1) * MacroblockPrefix.Length) + Trailer.Length;
    }

    /// <summary>The slice NAL unit's bytes, header byte included.</summary>
    public int NalUnitBytes { get; }

    /// <summary>One MP4 sample: the slice's length as four big-endian bytes, then the slice.</summary>
    public int SampleBytes => LengthPrefixBytes + NalUnitBytes;

    /// <summary>Writes frame <paramref name="frameIndex"/> as one MP4 sample into <paramref name="sample"/> (<see cref="SampleBytes"/> long).</summary>
    public void WriteSample(Yuv420Planes planes, int frameIndex, Span<byte> sample)
    {
        BinaryPrimitives.WriteUInt32BigEndian(sample, (uint)NalUnitBytes);
        sample[LengthPrefixBytes] = NalUnit.Header(NalUnit.IdrSlice);
        var header = headers[frameIndex % 2];
        header.CopyTo(sample[(LengthPrefixBytes + 1)..]);
        var at = LengthPrefixBytes + 1 + header.Length;
        var widthMacroblocks = planes.LumaStride / 16;
        for (var macroblock = 0; macroblock < macroblocks; macroblock++)
        {
            if (macroblock > 0)
            {
                MacroblockPrefix.CopyTo(sample[at..]);
                at += MacroblockPrefix.Length;
            }

            var column = macroblock % widthMacroblocks;
            var row = macroblock / widthMacroblocks;
            at = CopyBlock(planes.Luma, planes.LumaStride, column * 16, row * 16, 16, sample, at);
            at = CopyBlock(planes.Cb, planes.ChromaStride, column * 8, row * 8, 8, sample, at);
            at = CopyBlock(planes.Cr, planes.ChromaStride, column * 8, row * 8, 8, sample, at);
        }

        Trailer.CopyTo(sample[at..]);
    }

    private static byte[] Header(uint idrPicId) =>
        new BitWriter()
            .Unsigned(0) // first_mb_in_slice
            .Unsigned(AllIntra)
            .Unsigned(0) // pic_parameter_set_id
            .Bits(H264PcmParameterSets.FrameNumBits, 0)
            .Unsigned(idrPicId)
            .Flag(false) // no_output_of_prior_pics_flag
            .Flag(false) // long_term_reference_flag
            .Signed(0) // slice_qp_delta
            .Unsigned(DeblockingOff)
            .Unsigned(IPcm)
            .AlignWithZeros()
            .ToArray();

    /// <summary>A size x size block in raster order, as pcm_sample_luma and pcm_sample_chroma list it.</summary>
    private static int CopyBlock(byte[] plane, int stride, int left, int top, int size, Span<byte> sample, int at)
    {
        for (var y = 0; y < size; y++)
        {
            plane.AsSpan(((top + y) * stride) + left, size).CopyTo(sample[at..]);
            at += size;
        }

        return at;
    }
}
