using TurboDiffusion.Engine.Media;
using TurboDiffusion.Engine.Models.WanVae;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Pipelines;

/// <summary>
/// The decoded video's way to its files: MP4 (by ffmpeg where installed, else the built-in encoder), optional PNG
/// frames, and the JSON sidecar, which names the encoder. Untiled, the decode streams: each chunk's frames go to the
/// encoder as they are decoded, so encoding overlaps decoding and the Writing stage is only the encoder's finish.
/// A tiled decode has no complete frame before its last tile, so its video is written once decoded.
/// </summary>
internal sealed class VideoOutput : IDisposable
{
    public const int FramesPerSecond = 16;

    private readonly VideoRequest request;
    private readonly VideoGeometry geometry;
    private readonly VideoEncoderChoice encoder;
    private readonly IMp4Writer mp4;
    private readonly PngFrameWriter? png;
    private readonly string? framesDirectory;

    private VideoOutput(VideoRequest request, VideoGeometry geometry)
    {
        (this.request, this.geometry) = (request, geometry);
        var path = Path.GetFullPath(request.OutputPath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        framesDirectory = request.WriteFrames ? Path.ChangeExtension(path, null) + "_frames" : null;
        var options = new Mp4Options { FramesPerSecond = FramesPerSecond };
        encoder = VideoEncoders.Choose(options);
        png = framesDirectory is null ? null : new PngFrameWriter(framesDirectory, geometry.Width, geometry.Height);
        mp4 = VideoEncoders.Start(encoder, path, geometry.Width, geometry.Height, options);
    }

    /// <summary>Decodes <paramref name="denoised"/>'s latents and writes the video's files: the Decoding stage, then Writing.</summary>
    /// <remarks>Its own dispose scope frees what the decode leaves: it may run on a thread of its own, outside the render's.</remarks>
    public static VideoResult DecodeAndWrite(WanVae vae, DenoisedVideo denoised, VaeTiling? tiling, ResidentModel model, bool untrained, CancellationToken cancellationToken)
    {
        using var scope = NewDisposeScope();
        return DecodeAndWrite(vae, denoised.Latents, tiling, denoised.Request, denoised.Geometry, denoised.Clock, model, untrained, cancellationToken)
            with { Resumed = denoised.Resumed };
    }

    private static VideoResult DecodeAndWrite(
        WanVae vae, Tensor latents, VaeTiling? tiling, VideoRequest request, VideoGeometry geometry, StageClock clock, ResidentModel model, bool untrained,
        CancellationToken cancellationToken)
    {
        if (tiling is not null)
        {
            var video = clock.Run(GenerationStage.Decoding, geometry.LatentFrames, report =>
                vae.Decode(latents, tiling, new CallbackProgress<VaeProgress>(p => report(p.Done, p.Total)), cancellationToken));
            using var whole = new VideoOutput(request, geometry);
            clock.Run(GenerationStage.Writing, geometry.Frames, report =>
            {
                whole.Write(video, report, cancellationToken);
                return whole.Finish(cancellationToken);
            });
            return whole.Result(clock, model, untrained, encodedWhileDecoding: false);
        }

        using var streamed = new VideoOutput(request, geometry);
        clock.Run(GenerationStage.Decoding, geometry.LatentFrames, report =>
        {
            vae.DecodeStreaming(
                latents, frames => streamed.Write(frames, (_, _) => { }, cancellationToken), new CallbackProgress<VaeProgress>(p => report(p.Done, p.Total)),
                cancellationToken);
            return streamed.mp4.FramesWritten;
        });
        clock.Run(GenerationStage.Writing, geometry.Frames, _ => streamed.Finish(cancellationToken));
        return streamed.Result(clock, model, untrained, encodedWhileDecoding: true);
    }

    public void Dispose() => mp4.Dispose();

    // frames [1, 3, n, H, W] in [-1, 1]; report gets (frames written, frames of the video).
    private void Write(Tensor frames, Action<int, int> report, CancellationToken cancellationToken)
    {
        foreach (var frame in VideoFrames.ToRgb24(frames))
        {
            cancellationToken.ThrowIfCancellationRequested();
            mp4.WriteFrame(frame);
            png?.WriteFrame(frame);
            report(mp4.FramesWritten, geometry.Frames);
        }
    }

    // The encoder finishes the file: all that is left of Writing when the frames were streamed.
    private int Finish(CancellationToken cancellationToken)
    {
        mp4.CompleteAsync(cancellationToken).GetAwaiter().GetResult();
        return mp4.FramesWritten;
    }

    private VideoResult Result(StageClock clock, ResidentModel model, bool untrained, bool encodedWhileDecoding)
    {
        var sidecar = VideoSidecar.Describe(
            request, geometry.Width, geometry.Height, FramesPerSecond, clock.Timings, untrained, DateTimeOffset.UtcNow, model.Attention, encoder.Name, model.Linears);
        var sidecarPath = VideoSidecarFile.Write(mp4.OutputPath, sidecar);
        return new VideoResult(mp4.OutputPath, sidecarPath, framesDirectory, geometry.Width, geometry.Height, geometry.Frames, clock.Timings, encoder.Name, clock.PeakAllocatedBytes,
            EncodedWhileDecoding: encodedWhileDecoding);
    }
}
