using System.Diagnostics;
using TurboDiffusion.Engine.Pipelines;
using TurboDiffusion.Silo.Simulation;

namespace TurboDiffusion.Gateway.Tests.Support;

/// <summary>
/// The simulated engine's stages and steps, but a real H.264 MP4 as output (ffmpeg's test pattern at the request's
/// size and frame count), so a browser can play what the farm produced, and a sidecar with seconds per stage as the
/// real engine writes it.
/// </summary>
public sealed class Mp4Engine(SimulatedVideoEngine inner) : IVideoEngine
{
    public EngineStatus Status => inner.Status;

    public Task<IReadOnlyList<PreflightProblem>> PreflightAsync(PreflightRequest request, CancellationToken cancellationToken = default) =>
        inner.PreflightAsync(request, cancellationToken);

    public Task LoadAsync(string model, IProgress<GenerationProgress>? progress = null, CancellationToken cancellationToken = default) =>
        inner.LoadAsync(model, progress, cancellationToken);

    public async Task<VideoResult> GenerateAsync(VideoRequest request, IProgress<GenerationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var result = await inner.GenerateAsync(request, progress, cancellationToken);
        var start = new ProcessStartInfo("ffmpeg",
        [
            "-v", "error", "-y", "-f", "lavfi", "-i", $"testsrc=size={result.Width}x{result.Height}:rate=16",
            "-frames:v", result.Frames.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-pix_fmt", "yuv420p", "-c:v", "libx264", "-movflags", "+faststart", "-f", "mp4", result.VideoPath,
        ])
        {
            RedirectStandardError = true,
        };
        using var ffmpeg = Process.Start(start) ?? throw new InvalidOperationException("ffmpeg did not start; install it (apt-get install ffmpeg).");
        var errors = await ffmpeg.StandardError.ReadToEndAsync(cancellationToken);
        await ffmpeg.WaitForExitAsync(cancellationToken);
        if (ffmpeg.ExitCode != 0)
        {
            throw new InvalidOperationException($"ffmpeg failed ({ffmpeg.ExitCode}): {errors}");
        }

        var stages = result.StageTimings.ToDictionary(t => t.Key.ToString(), t => t.Value.TotalSeconds);
        await File.WriteAllTextAsync(result.SidecarPath, System.Text.Json.JsonSerializer.Serialize(new { prompt = request.Prompt, stageSeconds = stages }), cancellationToken);
        return result;
    }

    public void Dispose() => inner.Dispose();
}
