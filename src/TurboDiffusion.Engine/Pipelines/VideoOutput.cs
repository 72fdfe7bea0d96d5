using TurboDiffusion.Engine.Media;
using TurboDiffusion.Engine.Models.WanVae;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Pipelines;

/// <summary>
/// The Writing stage: decoded video to MP4 (by ffmpeg where installed, else the built-in encoder), optional PNG frames,
/// and the JSON sidecar, which names the encoder.
/// </summary>
internal static class VideoOutput
{
    public const int FramesPerSecond = 16;

    /// <param name="video">[1, 3, T, H, W] in [-1, 1].</param>
    public static VideoResult Write(
        Tensor video, VideoRequest request, VideoGeometry geometry, StageClock clock, ResidentModel model, bool untrained, CancellationToken cancellationToken)
    {
        var path = Path.GetFullPath(request.OutputPath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var framesDirectory = request.WriteFrames ? Path.ChangeExtension(path, null) + "_frames" : null;
        var options = new Mp4Options { FramesPerSecond = FramesPerSecond };
        var encoder = VideoEncoders.Choose(options);
        clock.Run(GenerationStage.Writing, geometry.Frames, report =>
        {
            var frames = VideoFrames.ToRgb24(video);
            var png = framesDirectory is null ? null : new PngFrameWriter(framesDirectory, geometry.Width, geometry.Height);
            using var mp4 = VideoEncoders.Start(encoder, path, geometry.Width, geometry.Height, options);
            for (var i = 0; i < frames.Length; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                mp4.WriteFrame(frames[i]);
                png?.WriteFrame(frames[i]);
                report(i + 1, frames.Length);
            }

            mp4.CompleteAsync(cancellationToken).GetAwaiter().GetResult();
            return frames.Length;
        });

        var sidecar = VideoSidecar.Describe(request, geometry.Width, geometry.Height, FramesPerSecond, clock.Timings, untrained, DateTimeOffset.UtcNow, model.Attention, encoder.Name, model.Linears);
        var sidecarPath = VideoSidecarFile.Write(path, sidecar);
        return new VideoResult(path, sidecarPath, framesDirectory, geometry.Width, geometry.Height, geometry.Frames, clock.Timings, encoder.Name, clock.PeakAllocatedBytes);
    }
}
