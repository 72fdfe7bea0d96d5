namespace TurboDiffusion.Engine.Media;

/// <summary>
/// Writes frames to an H.264 MP4 as they are decoded: each frame is RGB24, HWC, <c>[H, W, 3]</c> bytes. The video
/// grows under a hidden temporary name beside <see cref="OutputPath"/>, and <see cref="CompleteAsync"/> renames it
/// onto that path; a failure, a cancellation or disposal before completion deletes it, so the path never holds half
/// a video (and a file already there survives). <see cref="VideoEncoders.Start(string, int, int, Mp4Options)"/>
/// starts the one that <see cref="Mp4Options.Encoder"/> asks for.
/// </summary>
public interface IMp4Writer : IAsyncDisposable, IDisposable
{
    /// <summary>What encodes the frames.</summary>
    VideoEncoderChoice Encoder { get; }

    string OutputPath { get; }

    int Width { get; }

    int Height { get; }

    /// <summary>Bytes per frame: <c>Width * Height * 3</c>.</summary>
    int FrameBytes { get; }

    int FramesWritten { get; }

    /// <exception cref="ArgumentException">The frame is not <see cref="FrameBytes"/> long.</exception>
    /// <exception cref="InvalidOperationException">The writer has completed or failed.</exception>
    /// <exception cref="FfmpegException">ffmpeg stopped; the partial file is deleted.</exception>
    /// <exception cref="IOException">The file could not be written; the partial file is deleted.</exception>
    void WriteFrame(ReadOnlySpan<byte> rgb);

    /// <inheritdoc cref="WriteFrame"/>
    /// <exception cref="OperationCanceledException">Cancelled: the encoder is stopped and the partial file deleted.</exception>
    ValueTask WriteFrameAsync(ReadOnlyMemory<byte> rgb, CancellationToken cancellationToken = default);

    /// <summary>Finishes the file and renames it onto <see cref="OutputPath"/>.</summary>
    /// <exception cref="InvalidOperationException">No frame was written, or the writer has completed or failed.</exception>
    /// <exception cref="FfmpegException">ffmpeg failed; the partial file is deleted.</exception>
    /// <exception cref="IOException">The file could not be finished or moved; the partial file is deleted.</exception>
    /// <exception cref="OperationCanceledException">Cancelled: the encoder is stopped and the partial file deleted.</exception>
    Task CompleteAsync(CancellationToken cancellationToken = default);
}
