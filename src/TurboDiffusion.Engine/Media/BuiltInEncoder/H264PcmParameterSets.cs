namespace TurboDiffusion.Engine.Media.BuiltInEncoder;

/// <summary>
/// The sequence and picture parameter sets (ITU-T H.264 7.3.2.1, 7.3.2.2, E.1.1) of a Constrained Baseline stream of
/// I_PCM pictures: CAVLC, every picture an IDR, frame cropping for sizes that are not whole macroblocks, and a VUI
/// with BT.709 limited range, the frame rate and no reordering, so that players neither guess colours nor buffer.
/// </summary>
internal sealed class H264PcmParameterSets
{
    public const byte ProfileIdc = 66;

    /// <summary>constraint_set0_flag and constraint_set1_flag: the stream obeys Baseline and Main, i.e. Constrained Baseline.</summary>
    public const byte ConstraintFlags = 0b1100_0000;

    /// <summary>frame_num takes log2_max_frame_num_minus4 + 4 = 4 bits; an IDR picture's is always 0.</summary>
    public const int FrameNumBits = 4;

    /// <summary>pic_order_cnt_type 2: output order is decoding order.</summary>
    private const uint PictureOrderFromFrameNum = 2;

    /// <summary>video_format 5: unspecified, as for any file not converted from analogue video.</summary>
    private const uint UnspecifiedVideoFormat = 5;

    /// <summary>chroma_sample_loc_type 1: centred between the rows and columns, where the mean of a 2x2 block lies.</summary>
    private const uint ChromaCentred = 1;

    /// <summary>aspect_ratio_idc 1: square samples.</summary>
    private const uint SquareSamples = 1;

    /// <summary>The largest value log2_max_mv_length_* may take; no picture here has motion vectors.</summary>
    private const uint MaxMotionVectorLength = 15;

    private H264PcmParameterSets(byte[] sequence, byte[] picture)
    {
        Sequence = sequence;
        Picture = picture;
    }

    /// <summary>The SPS NAL unit (header byte included, emulation prevention applied).</summary>
    public byte[] Sequence { get; }

    /// <summary>The PPS NAL unit.</summary>
    public byte[] Picture { get; }

    public static H264PcmParameterSets For(Yuv420Planes planes, int framesPerSecond, H264Level level)
    {
        var widthMacroblocks = planes.LumaStride / 16;
        var heightMacroblocks = planes.LumaRows / 16;
        var sps = new BitWriter()
            .Bits(8, ProfileIdc)
            .Bits(8, ConstraintFlags)
            .Bits(8, (uint)level.Idc)
            .Unsigned(0) // seq_parameter_set_id
            .Unsigned(FrameNumBits - 4)
            .Unsigned(PictureOrderFromFrameNum)
            .Unsigned(1) // max_num_ref_frames: the current IDR picture only
            .Flag(false) // gaps_in_frame_num_value_allowed_flag
            .Unsigned((uint)widthMacroblocks - 1)
            .Unsigned((uint)heightMacroblocks - 1)
            .Flag(true) // frame_mbs_only_flag
            .Flag(true); // direct_8x8_inference_flag
        WriteCropping(sps, planes);
        sps.Flag(true); // vui_parameters_present_flag
        WriteVui(sps, framesPerSecond);
        sps.TrailingBits();

        var pps = new BitWriter()
            .Unsigned(0) // pic_parameter_set_id
            .Unsigned(0) // seq_parameter_set_id
            .Flag(false) // entropy_coding_mode_flag: CAVLC
            .Flag(false) // bottom_field_pic_order_in_frame_present_flag
            .Unsigned(0) // num_slice_groups_minus1
            .Unsigned(0) // num_ref_idx_l0_default_active_minus1
            .Unsigned(0) // num_ref_idx_l1_default_active_minus1
            .Flag(false) // weighted_pred_flag
            .Bits(2, 0) // weighted_bipred_idc
            .Signed(0) // pic_init_qp_minus26
            .Signed(0) // pic_init_qs_minus26
            .Signed(0) // chroma_qp_index_offset
            .Flag(true) // deblocking_filter_control_present_flag: lets each slice switch the filter off
            .Flag(false) // constrained_intra_pred_flag
            .Flag(false) // redundant_pic_cnt_present_flag
            .TrailingBits();

        return new H264PcmParameterSets(
            NalUnit.Wrap(NalUnit.SequenceParameterSet, sps.ToArray()),
            NalUnit.Wrap(NalUnit.PictureParameterSet, pps.ToArray()));
    }

    /// <summary>Crops the macroblock padding off the right and bottom, in units of two samples (4:2:0, frames only).</summary>
    private static void WriteCropping(BitWriter sps, Yuv420Planes planes)
    {
        var right = (uint)(planes.LumaStride - planes.Width) / 2;
        var bottom = (uint)(planes.LumaRows - planes.Height) / 2;
        var cropping = right != 0 || bottom != 0;
        sps.Flag(cropping);
        if (cropping)
        {
            sps.Unsigned(0).Unsigned(right).Unsigned(0).Unsigned(bottom);
        }
    }

    private static void WriteVui(BitWriter sps, int framesPerSecond) =>
        sps
            .Flag(true).Bits(8, SquareSamples) // aspect_ratio_info_present_flag, aspect_ratio_idc
            .Flag(false) // overscan_info_present_flag
            .Flag(true) // video_signal_type_present_flag
            .Bits(3, UnspecifiedVideoFormat)
            .Flag(Bt709.FullRange)
            .Flag(true) // colour_description_present_flag
            .Bits(8, Bt709.ColourPrimaries)
            .Bits(8, Bt709.TransferCharacteristics)
            .Bits(8, Bt709.MatrixCoefficients)
            .Flag(true).Unsigned(ChromaCentred).Unsigned(ChromaCentred) // chroma_loc_info_present_flag, top and bottom fields
            .Flag(true) // timing_info_present_flag
            .Bits(32, 1) // num_units_in_tick
            .Bits(32, 2 * (uint)framesPerSecond) // time_scale: a frame is two ticks (E.2.1)
            .Flag(true) // fixed_frame_rate_flag
            .Flag(false) // nal_hrd_parameters_present_flag
            .Flag(false) // vcl_hrd_parameters_present_flag
            .Flag(false) // pic_struct_present_flag
            .Flag(true) // bitstream_restriction_flag
            .Flag(true) // motion_vectors_over_pic_boundaries_flag
            .Unsigned(0) // max_bytes_per_pic_denom: no limit
            .Unsigned(0) // max_bits_per_mb_denom: no limit
            .Unsigned(MaxMotionVectorLength)
            .Unsigned(MaxMotionVectorLength)
            .Unsigned(0) // max_num_reorder_frames: a decoder outputs each picture at once
            .Unsigned(1); // max_dec_frame_buffering
}
