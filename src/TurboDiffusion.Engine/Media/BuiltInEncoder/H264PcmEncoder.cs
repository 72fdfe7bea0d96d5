namespace TurboDiffusion.Engine.Media.BuiltInEncoder;

/// <summary>RGB24 frames of one size to MP4 samples of an H.264 Constrained Baseline I_PCM stream, and what its index needs.</summary>
internal sealed class H264PcmEncoder
{
    private readonly Yuv420Planes planes;
    private readonly H264PcmSlice slice;
    private readonly byte[] sample;

    /// <exception cref="ArgumentException">No H.264 level admits frames of this size at this rate.</exception>
    public H264PcmEncoder(int width, int height, int framesPerSecond)
    {
        planes = new Yuv420Planes(width, height);
        var widthMacroblocks = Yuv420Planes.Macroblocks(width);
        var heightMacroblocks = Yuv420Planes.Macroblocks(height);
        slice = new H264PcmSlice(widthMacroblocks, heightMacroblocks);
        Level = H264Level.For(widthMacroblocks, heightMacroblocks, framesPerSecond, slice.NalUnitBytes);
        ParameterSets = H264PcmParameterSets.For(planes, framesPerSecond, Level);
        FramesPerSecond = framesPerSecond;
        sample = new byte[slice.SampleBytes];
    }

    public int Width => planes.Width;

    public int Height => planes.Height;

    public int FramesPerSecond { get; }

    public H264Level Level { get; }

    public H264PcmParameterSets ParameterSets { get; }

    /// <summary>Every frame's sample takes this many bytes.</summary>
    public int SampleBytes => slice.SampleBytes;

    /// <summary>Frame <paramref name="frameIndex"/> as its MP4 sample, in a buffer the next call overwrites.</summary>
    public ReadOnlyMemory<byte> Encode(ReadOnlySpan<byte> rgb, int frameIndex)
    {
        planes.ConvertFrom(rgb);
        slice.WriteSample(planes, frameIndex, sample);
        return sample;
    }
}
