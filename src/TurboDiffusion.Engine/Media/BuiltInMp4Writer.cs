using TurboDiffusion.Engine.Media.BuiltInEncoder;

namespace TurboDiffusion.Engine.Media;

/// <summary>
/// An <see cref="IMp4Writer"/> that needs no ffmpeg: each frame becomes an H.264 IDR picture of uncompressed (I_PCM)
/// macroblocks, BT.709 limited range like the ffmpeg path, in an MP4 with its index first. Files are about as large
/// as the 4:2:0 samples themselves (1.5 bytes per pixel), many times larger than libx264's.
/// </summary>
/// <remarks>
/// Every frame takes the same bytes, so the index has a fixed size: it is reserved at the start of the hidden
/// temporary file, frames go straight behind it, and completion writes it with the frame count. One frame is held
/// in memory at a time, whatever the length of the video.
/// </remarks>
public sealed class BuiltInMp4Writer : Mp4FileWriter
{
    private readonly H264PcmEncoder encoder;
    private readonly FileStream file;

    private BuiltInMp4Writer(H264PcmEncoder encoder, FileStream file, string temporaryPath, string outputPath)
        : base(temporaryPath, outputPath, encoder.Width, encoder.Height)
    {
        this.encoder = encoder;
        this.file = file;
    }

    public override VideoEncoderChoice Encoder => VideoEncoderChoice.BuiltIn;

    protected override string CancellationNote => "its partial file was deleted";

    /// <summary>Creates the hidden temporary file for a video of <paramref name="width"/> x <paramref name="height"/>.</summary>
    /// <exception cref="ArgumentException">A size that is not positive and even, invalid options, or frames too large or
    /// too frequent for any H.264 level uncompressed.</exception>
    /// <exception cref="IOException">The temporary file could not be created.</exception>
    public static BuiltInMp4Writer Start(string outputPath, int width, int height, Mp4Options? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(outputPath);
        Rgb24FrameSize.Validate(width, height);
        options ??= new Mp4Options();
        options.Validate();
        var encoder = new H264PcmEncoder(width, height, options.FramesPerSecond);
        var temporary = AtomicFile.TemporaryPathFor(outputPath);
        var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write);
        try
        {
            file.Write(Mp4Header.For(encoder, frames: 0));
        }
        catch
        {
            file.Dispose();
            File.Delete(temporary);
            throw;
        }

        return new BuiltInMp4Writer(encoder, file, temporary, Path.GetFullPath(outputPath));
    }

    protected override void Write(ReadOnlySpan<byte> rgb) => file.Write(encoder.Encode(rgb, FramesWritten).Span);

    protected override ValueTask WriteAsync(ReadOnlyMemory<byte> rgb, CancellationToken cancellationToken) =>
        file.WriteAsync(encoder.Encode(rgb.Span, FramesWritten), cancellationToken);

    /// <summary>Writes the index with the frame count over the reserved one.</summary>
    protected override async Task FinishAsync(CancellationToken cancellationToken)
    {
        file.Position = 0;
        await file.WriteAsync(Mp4Header.For(encoder, FramesWritten), cancellationToken).ConfigureAwait(false);
        await file.DisposeAsync().ConfigureAwait(false);
    }

    protected override Exception Failed(IOException? cause)
    {
        Abort();
        return new IOException($"Writing {OutputPath} failed and its partial file was deleted: {cause?.Message}", cause);
    }

    protected override void Discard() => file.Dispose();

    protected override void ReleaseResources() => file.Dispose();

    protected override void EnsureRoomForFrame(int frameLength, string parameter)
    {
        base.EnsureRoomForFrame(frameLength, parameter);
        if (FramesWritten == Mp4Header.MaxFrames)
        {
            throw new InvalidOperationException($"{OutputPath} already holds {Mp4Header.MaxFrames} frames, the most its index can count.");
        }
    }
}
