using TurboDiffusion.Engine.Media;
using TurboDiffusion.Engine;
using TurboDiffusion.Silo.Simulation;

namespace TurboDiffusion.Gateway.Tests.Support;

/// <summary>
/// The simulated engine's stages and steps, but a real H.264 MP4 as output (a moving colour pattern at the request's
/// size and frame count, written by the encoder asked for), so a browser can play what the farm produced, and a
/// sidecar with seconds per stage as the real engine writes it.
/// </summary>
public sealed class Mp4Engine(SimulatedVideoEngine inner, VideoEncoderPreference encoder = VideoEncoderPreference.Ffmpeg) : IVideoEngine
{
    public EngineStatus Status => inner.Status;

    public Task<IReadOnlyList<PreflightProblem>> PreflightAsync(PreflightRequest request, CancellationToken cancellationToken = default) =>
        inner.PreflightAsync(request, cancellationToken);

    public Task LoadAsync(string model, IProgress<GenerationProgress>? progress = null, CancellationToken cancellationToken = default) =>
        inner.LoadAsync(model, progress, cancellationToken);

    public async Task<VideoResult> GenerateAsync(VideoRequest request, IProgress<GenerationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var result = await inner.GenerateAsync(request, progress, cancellationToken);
        string encoderName;
        await using (var writer = VideoEncoders.Start(result.VideoPath, result.Width, result.Height, new Mp4Options { Encoder = encoder }))
        {
            for (var frame = 0; frame < result.Frames; frame++)
            {
                await writer.WriteFrameAsync(Pattern(result.Width, result.Height, frame), cancellationToken);
            }

            await writer.CompleteAsync(cancellationToken);
            encoderName = writer.Encoder.Name;
        }

        var stages = result.StageTimings.ToDictionary(t => t.Key.ToString(), t => t.Value.TotalSeconds);
        var sidecar = new { prompt = request.Prompt, stageSeconds = stages, encoder = encoderName };
        await File.WriteAllTextAsync(result.SidecarPath, System.Text.Json.JsonSerializer.Serialize(sidecar), cancellationToken);
        return result with { Encoder = encoderName };
    }

    public void Dispose() => inner.Dispose();

    /// <summary>Diagonal colour bands that move 4 pixels a frame.</summary>
    private static byte[] Pattern(int width, int height, int frame)
    {
        var rgb = new byte[width * height * 3];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var i = ((y * width) + x) * 3;
                var band = (x + y + (4 * frame)) % 96;
                rgb[i] = (byte)(band * 8 / 3);
                rgb[i + 1] = (byte)(y * 255 / height);
                rgb[i + 2] = (byte)(255 - (x * 255 / width));
            }
        }

        return rgb;
    }
}
