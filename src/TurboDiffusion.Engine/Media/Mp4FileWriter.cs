namespace TurboDiffusion.Engine.Media;

/// <summary>
/// What both MP4 writers promise, kept in one place: frames of exactly <see cref="FrameBytes"/> go to a hidden
/// temporary file beside the target, <see cref="CompleteAsync"/> renames it onto <see cref="OutputPath"/>, and a
/// failure, a cancellation or disposal before completion deletes it, so the target never holds half a video and a
/// file already there survives. Subclasses encode: they write, finish and stop.
/// </summary>
public abstract class Mp4FileWriter : IMp4Writer
{
    private bool disposed;

    protected Mp4FileWriter(string temporaryPath, string outputPath, int width, int height)
    {
        TemporaryPath = temporaryPath;
        OutputPath = outputPath;
        Width = width;
        Height = height;
    }

    public abstract VideoEncoderChoice Encoder { get; }

    public string OutputPath { get; }

    public int Width { get; }

    public int Height { get; }

    /// <summary>Bytes per frame: <c>Width * Height * 3</c>.</summary>
    public int FrameBytes => Width * Height * 3;

    public int FramesWritten { get; private set; }

    protected string TemporaryPath { get; }

    /// <summary>What a cancellation did besides deleting the partial file, for its message.</summary>
    protected abstract string CancellationNote { get; }

    /// <inheritdoc/>
    public void WriteFrame(ReadOnlySpan<byte> rgb)
    {
        EnsureRoomForFrame(rgb.Length, nameof(rgb));
        try
        {
            Write(rgb);
        }
        catch (IOException e)
        {
            throw Failed(e);
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
            await WriteAsync(rgb, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (cancellationToken.IsCancellationRequested && e is OperationCanceledException or IOException)
        {
            throw Cancelled(e, cancellationToken);
        }
        catch (IOException e)
        {
            throw Failed(e);
        }

        FramesWritten++;
    }

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
            await FinishAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (cancellationToken.IsCancellationRequested)
        {
            throw Cancelled(e, cancellationToken);
        }
        catch (IOException e)
        {
            throw Failed(e);
        }

        IsOpen = false;
        try
        {
            File.Move(TemporaryPath, OutputPath, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            File.Delete(TemporaryPath);
            throw new IOException($"The finished video could not be moved onto {OutputPath}: {e.Message}", e);
        }
    }

    /// <summary>Before <see cref="CompleteAsync"/> this abandons the video: the encoder stops and the partial file is deleted.</summary>
    public void Dispose()
    {
        if (IsOpen)
        {
            Abort();
        }

        ReleaseResources();
        disposed = true;
        GC.SuppressFinalize(this);
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }

    /// <summary>True until the video is completed or abandoned.</summary>
    protected bool IsOpen { get; private set; } = true;

    /// <summary>Encodes one frame of <see cref="FrameBytes"/> RGB24 bytes.</summary>
    protected abstract void Write(ReadOnlySpan<byte> rgb);

    /// <inheritdoc cref="Write"/>
    protected abstract ValueTask WriteAsync(ReadOnlyMemory<byte> rgb, CancellationToken cancellationToken);

    /// <summary>Finishes the temporary file after the last frame; it is renamed into place after this.</summary>
    protected abstract Task FinishAsync(CancellationToken cancellationToken);

    /// <summary>The encoder stopped working: abandon the video (<see cref="Abort"/>) and say why.</summary>
    protected abstract Exception Failed(IOException? cause);

    /// <summary>Stops encoding at once; the partial file is deleted after this.</summary>
    protected abstract void Discard();

    /// <summary>Releases what the encoder holds (a process, a file handle).</summary>
    protected abstract void ReleaseResources();

    /// <summary>Refuses a frame of the wrong size or a writer that is no longer open.</summary>
    protected virtual void EnsureRoomForFrame(int frameLength, string parameter)
    {
        EnsureOpen();
        Rgb24FrameSize.EnsureFrameLength(frameLength, Width, Height, parameter);
    }

    /// <summary>Stops the encoder and deletes the partial file; the writer is closed after this.</summary>
    protected void Abort()
    {
        IsOpen = false;
        Discard();
        File.Delete(TemporaryPath);
    }

    private void EnsureOpen()
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (!IsOpen)
        {
            throw new InvalidOperationException($"The writer of {OutputPath} has already completed or failed.");
        }
    }

    private OperationCanceledException Cancelled(Exception cause, CancellationToken cancellationToken)
    {
        Abort();
        return new OperationCanceledException($"Writing {OutputPath} was cancelled; {CancellationNote}.", cause, cancellationToken);
    }
}
