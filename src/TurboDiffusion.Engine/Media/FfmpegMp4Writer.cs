using System.Diagnostics;

namespace TurboDiffusion.Engine.Media;

/// <summary>
/// An <see cref="IMp4Writer"/> that streams the frames to ffmpeg's stdin for libx264 to compress. ffmpeg writes the
/// hidden temporary file; a failure, a cancellation or disposal before completion kills it and deletes that file.
/// </summary>
public sealed class FfmpegMp4Writer : IMp4Writer
{
    private static readonly TimeSpan ExitGrace = TimeSpan.FromSeconds(10);

    private readonly Process ffmpeg;
    private readonly Stream frames;
    private readonly ErrorTail errors;
    private readonly string temporaryPath;
    private bool open = true;
    private bool disposed;

    private FfmpegMp4Writer(Process ffmpeg, string executable, ErrorTail errors, string temporaryPath, string outputPath, int width, int height)
    {
        Encoder = VideoEncoderChoice.ForFfmpeg(executable);
        this.ffmpeg = ffmpeg;
        this.errors = errors;
        this.temporaryPath = temporaryPath;
        frames = ffmpeg.StandardInput.BaseStream;
        OutputPath = outputPath;
        Width = width;
        Height = height;
    }

    public VideoEncoderChoice Encoder { get; }

    public string OutputPath { get; }

    public int Width { get; }

    public int Height { get; }

    /// <summary>Bytes per frame: <c>Width * Height * 3</c>.</summary>
    public int FrameBytes => Width * Height * 3;

    public int FramesWritten { get; private set; }

    /// <summary>Starts ffmpeg for a video of <paramref name="width"/> x <paramref name="height"/>.</summary>
    /// <exception cref="ArgumentException">A size that is not positive and even, or invalid options.</exception>
    /// <exception cref="FfmpegNotFoundException">ffmpeg is not installed.</exception>
    public static FfmpegMp4Writer Start(string outputPath, int width, int height, Mp4Options? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(outputPath);
        Rgb24FrameSize.Validate(width, height);
        options ??= new Mp4Options();
        options.Validate();
        var executable = FfmpegLocator.Require(options.FfmpegPath);
        var temporary = AtomicFile.TemporaryPathFor(outputPath);
        var errors = new ErrorTail();
        var process = FfmpegProcess.Start(executable, Mp4Arguments.For(width, height, options, temporary), errors);

        // ffmpeg writes nothing to stdout when its output is a file; drained so that it can never block.
        process.OutputDataReceived += (_, e) => errors.Add(e.Data);
        process.BeginOutputReadLine();
        return new FfmpegMp4Writer(process, executable, errors, temporary, Path.GetFullPath(outputPath), width, height);
    }

    /// <inheritdoc/>
    public void WriteFrame(ReadOnlySpan<byte> rgb)
    {
        EnsureOpen();
        EnsureFrameSize(rgb.Length, nameof(rgb));
        try
        {
            frames.Write(rgb);
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
        EnsureOpen();
        EnsureFrameSize(rgb.Length, nameof(rgb));
        try
        {
            cancellationToken.ThrowIfCancellationRequested();

            // A write blocked on a full pipe may not notice the token; killing ffmpeg unblocks it.
            using var kill = cancellationToken.Register(ffmpeg.Kill);
            await frames.WriteAsync(rgb, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (cancellationToken.IsCancellationRequested && e is OperationCanceledException or IOException)
        {
            throw Cancelled(e, cancellationToken);
        }
        catch (IOException e)
        {
            throw Fail(e);
        }

        FramesWritten++;
    }

    /// <summary>Ends the stream, waits for ffmpeg to finish the file and renames it onto <see cref="OutputPath"/>.</summary>
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
            await ffmpeg.StandardInput.DisposeAsync().ConfigureAwait(false);
            await ffmpeg.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (cancellationToken.IsCancellationRequested)
        {
            throw Cancelled(e, cancellationToken);
        }
        catch (IOException e)
        {
            throw Fail(e);
        }

        if (ffmpeg.ExitCode != 0)
        {
            throw Fail(null);
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

    /// <summary>Before <see cref="CompleteAsync"/> this abandons the video: ffmpeg is killed and the partial file deleted.</summary>
    public void Dispose()
    {
        if (open)
        {
            Abort();
        }

        ffmpeg.Dispose();
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

    private void EnsureFrameSize(int found, string parameter) => Rgb24FrameSize.EnsureFrameLength(found, Width, Height, parameter);

    private OperationCanceledException Cancelled(Exception cause, CancellationToken cancellationToken)
    {
        Abort();
        return new OperationCanceledException($"Writing {OutputPath} was cancelled; ffmpeg was stopped and its partial file deleted.", cause, cancellationToken);
    }

    /// <summary>ffmpeg closed its input or exited badly: let it finish saying why, then clean up.</summary>
    private FfmpegException Fail(IOException? cause)
    {
        ffmpeg.WaitForExit(ExitGrace);
        Abort();
        return new FfmpegException($"writing {OutputPath}", ffmpeg.ExitCode, errors.Lines(), cause);
    }

    private void Abort()
    {
        open = false;
        ffmpeg.Kill();
        ffmpeg.WaitForExit();
        File.Delete(temporaryPath);
    }
}
