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
public sealed class BuiltInMp4Writer : IMp4Writer
{
    private readonly H264PcmEncoder encoder;
    private readonly FileStream file;
    private readonly string temporaryPath;
    private bool open = true;
    private bool disposed;

    private BuiltInMp4Writer(H264PcmEncoder encoder, FileStream file, string temporaryPath, string outputPath)
    {
        this.encoder = encoder;
        this.file = file;
        this.temporaryPath = temporaryPath;
        OutputPath = outputPath;
    }

    public VideoEncoderChoice Encoder => VideoEncoderChoice.BuiltIn;

    public string OutputPath { get; }

    public int Width => encoder.Width;

    public int Height => encoder.Height;

    /// <summary>Bytes per frame: <c>Width * Height * 3</c>.</summary>
    public int FrameBytes => Width * Height * 3;

    public int FramesWritten { get; private set; }

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

    /// <inheritdoc/>
    public void WriteFrame(ReadOnlySpan<byte> rgb)
    {
        EnsureRoomForFrame(rgb.Length, nameof(rgb));
        try
        {
            file.Write(encoder.Encode(rgb, FramesWritten).Span);
        }
        catch (IOException e)
        {
            throw Fail(e);
        }

        FramesWritten++;
    }

    /// <inheritdoc/>
    public async ValueTask WriteFrameAsync(ReadOnlyMemory<byte> rgb, CancellationToken cancellationToken = default)
    {
        EnsureRoomForFrame(rgb.Length, nameof(rgb));
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            await file.WriteAsync(encoder.Encode(rgb.Span, FramesWritten), cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (cancellationToken.IsCancellationRequested)
        {
            throw Cancelled(e, cancellationToken);
        }
        catch (IOException e)
        {
            throw Fail(e);
        }

        FramesWritten++;
    }

    /// <summary>Writes the index with the frame count over the reserved one and renames the file onto <see cref="OutputPath"/>.</summary>
    /// <inheritdoc/>
    public async Task CompleteAsync(CancellationToken cancellationToken = default)
    {
        EnsureOpen();
        if (FramesWritten == 0)
        {
            Abort();
            throw new InvalidOperationException($"No frame was written to {OutputPath}; an MP4 needs at least one.");
        }

        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            file.Position = 0;
            await file.WriteAsync(Mp4Header.For(encoder, FramesWritten), cancellationToken).ConfigureAwait(false);
            await file.DisposeAsync().ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (cancellationToken.IsCancellationRequested)
        {
            throw Cancelled(e, cancellationToken);
        }
        catch (IOException e)
        {
            throw Fail(e);
        }

        open = false;
        try
        {
            File.Move(temporaryPath, OutputPath, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            File.Delete(temporaryPath);
            throw new IOException($"The finished video could not be moved onto {OutputPath}: {e.Message}", e);
        }
    }

    /// <summary>Before <see cref="CompleteAsync"/> this abandons the video: the partial file is deleted.</summary>
    public void Dispose()
    {
        if (open)
        {
            Abort();
        }

        file.Dispose();
        disposed = true;
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private void EnsureOpen()
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (!open)
        {
            throw new InvalidOperationException($"The writer of {OutputPath} has already completed or failed.");
        }
    }

    private void EnsureRoomForFrame(int frameLength, string parameter)
    {
        EnsureOpen();
        Rgb24FrameSize.EnsureFrameLength(frameLength, Width, Height, parameter);
        if (FramesWritten == Mp4Header.MaxFrames)
        {
            throw new InvalidOperationException($"{OutputPath} already holds {Mp4Header.MaxFrames} frames, the most its index can count.");
        }
    }

    private OperationCanceledException Cancelled(Exception cause, CancellationToken cancellationToken)
    {
        Abort();
        return new OperationCanceledException($"Writing {OutputPath} was cancelled; its partial file was deleted.", cause, cancellationToken);
    }

    private IOException Fail(IOException cause)
    {
        Abort();
        return new IOException($"Writing {OutputPath} failed and its partial file was deleted: {cause.Message}", cause);
    }

    private void Abort()
    {
        open = false;
        file.Dispose();
        File.Delete(temporaryPath);
    }
}
