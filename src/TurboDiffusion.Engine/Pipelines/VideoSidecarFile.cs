using System.Text.Encodings.Web;
using System.Text.Json;
using TurboDiffusion.Engine.Media;

namespace TurboDiffusion.Engine.Pipelines;

/// <summary>Reads and writes <see cref="VideoSidecar"/> JSON beside its video: <c>name.mp4</c> -> <c>name.json</c>.</summary>
public static class VideoSidecarFile
{
    // The default encoder escapes every non-ASCII character, making a Chinese prompt unreadable;
    // the file is never embedded in HTML, so the relaxed encoder is safe.
    private static readonly SidecarJsonContext Readable = new(new(SidecarJsonContext.Default.Options) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

    public static string PathFor(string videoPath) => Path.ChangeExtension(videoPath, ".json");

    /// <summary>Writes the sidecar of <paramref name="videoPath"/>; it appears whole or not at all.</summary>
    /// <returns>The sidecar's path.</returns>
    public static string Write(string videoPath, VideoSidecar sidecar)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(videoPath);
        ArgumentNullException.ThrowIfNull(sidecar);
        var path = PathFor(videoPath);
        AtomicFile.Write(path, JsonSerializer.SerializeToUtf8Bytes(sidecar, Readable.VideoSidecar));
        return path;
    }

    /// <exception cref="InvalidDataException">The file is not a video sidecar; the message names it and the problem.</exception>
    public static VideoSidecar Read(string sidecarPath)
    {
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllBytes(sidecarPath), Readable.VideoSidecar)
                ?? throw new InvalidDataException($"{sidecarPath}: holds null, not a video sidecar.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{sidecarPath}: not a valid video sidecar: {e.Message}", e);
        }
    }
}
