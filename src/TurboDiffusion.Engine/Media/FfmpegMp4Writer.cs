using System.Diagnostics;

namespace TurboDiffusion.Engine.Media;

/// <summary>
/// An <see cref="IMp4Writer"/> that streams the frames to ffmpeg's stdin for libx264 (or the card's NVENC) to compress. ffmpeg writes the
/// hidden temporary file; a failure, a cancellation or disposal before completion kills it and deletes that file.
/// </summary>
public sealed class FfmpegMp4Writer : Mp4FileWriter
{
    private static readonly TimeSpan ExitGrace = TimeSpan.FromSeconds(10);

    private readonly Process ffmpeg;
    private readonly Stream frames;
    private readonly ErrorTail errors;

    private FfmpegMp4Writer(Process ffmpeg, VideoEncoderChoice encoder, ErrorTail errors, string temporaryPath, string outputPath, int width, int height)
        : base(temporaryPath, outputPath, width, height)
    {
        Encoder = encoder;
        this.ffmpeg = ffmpeg;
        this.errors = errors;
        frames = ffmpeg.StandardInput.BaseStream;
    }

    public override VideoEncoderChoice Encoder { get; }

    protected override string CancellationNote => "ffmpeg was stopped and its partial file deleted";

    /// <summary>Starts ffmpeg for a video of <paramref name="width"/> x <paramref name="height"/>, on the card's NVENC when <paramref name="hardware"/>.</summary>
    /// <exception cref="ArgumentException">A size that is not positive and even, or invalid options.</exception>
    /// <exception cref="FfmpegNotFoundException">ffmpeg is not installed.</exception>
    public static FfmpegMp4Writer Start(string outputPath, int width, int height, Mp4Options? options = null, bool hardware = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(outputPath);
        Rgb24FrameSize.Validate(width, height);
        options ??= new Mp4Options();
        options.Validate();
        var executable = FfmpegLocator.Require(options.FfmpegPath);
        var temporary = AtomicFile.TemporaryPathFor(outputPath);
        var errors = new ErrorTail();
        var process = FfmpegProcess.Start(executable, Mp4Arguments.For(width, height, options, temporary, hardware), errors);

        // ffmpeg writes nothing to stdout when its output is a file; drained so that it can never block.
        process.OutputDataReceived += (_, e) => errors.Add(e.Data);
        process.BeginOutputReadLine();
        var encoder = hardware ? VideoEncoderChoice.ForNvenc(executable) : VideoEncoderChoice.ForFfmpeg(executable);
        return new FfmpegMp4Writer(process, encoder, errors, temporary, Path.GetFullPath(outputPath), width, height);
    }

    protected override void Write(ReadOnlySpan<byte> rgb) => frames.Write(rgb);

    protected override async ValueTask WriteAsync(ReadOnlyMemory<byte> rgb, CancellationToken cancellationToken)
    {
        // A write blocked on a full pipe may not notice the token; killing ffmpeg unblocks it.
        await using var kill = cancellationToken.Register(ffmpeg.Kill);
        await frames.WriteAsync(rgb, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Ends the stream and waits for ffmpeg to finish the file.</summary>
    protected override async Task FinishAsync(CancellationToken cancellationToken)
    {
        await ffmpeg.StandardInput.DisposeAsync().ConfigureAwait(false);
        await ffmpeg.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        if (ffmpeg.ExitCode != 0)
        {
            throw Failed(null);
        }
    }

    /// <summary>ffmpeg closed its input or exited badly: let it finish saying why, then clean up.</summary>
    protected override Exception Failed(IOException? cause)
    {
        ffmpeg.WaitForExit(ExitGrace);
        Abort();
        return new FfmpegException($"writing {OutputPath}", ffmpeg.ExitCode, errors.Lines(), cause);
    }

    protected override void Discard()
    {
        ffmpeg.Kill();
        ffmpeg.WaitForExit();
    }

    protected override void ReleaseResources() => ffmpeg.Dispose();
}
