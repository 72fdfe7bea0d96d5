using System.Diagnostics;
using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Farm.Stores;

namespace TurboDiffusion.Gateway.Posters;

/// <summary>
/// A finished job's poster: the first frame of its stored MP4 as a JPEG at most <see cref="Width"/> pixels wide, made
/// by ffmpeg on the gateway. The MP4 is streamed into ffmpeg, which stops after the first frame (the farm's MP4s put
/// their index first, so that is the first few hundred kB of even a 100 MB uncompressed clip). Neither the workers nor
/// the artifacts keep a thumbnail, and the engine's optional PNG frames exist only for jobs that asked for them, so the
/// video, which every succeeded job has, is the one source. Each poster is made once per artifact and kept in memory
/// (the latest <see cref="Kept"/>, a few MB); at most <see cref="AtOnce"/> are made at once.
/// </summary>
public sealed class PosterFrames : IDisposable
{
    public const int Width = 320;
    public const int Kept = 256;
    public const int AtOnce = 2;
    private static readonly TimeSpan MakeTimeout = TimeSpan.FromSeconds(20);

    private readonly Lock gate = new();
    private readonly Dictionary<Guid, LinkedListNode<(Guid Token, byte[] Jpeg)>> byAttempt = [];
    private readonly LinkedList<(Guid Token, byte[] Jpeg)> latest = new();
    private readonly SemaphoreSlim making = new(AtOnce);
    private readonly string? ffmpeg = Find("ffmpeg");

    /// <summary>Whether this gateway can make posters: ffmpeg is on its PATH.</summary>
    public bool Available => ffmpeg is not null;

    /// <summary>The poster of <paramref name="artifact"/>; null when its video has no frame ffmpeg can decode.</summary>
    public async Task<byte[]?> GetAsync(IArtifactStore store, ArtifactRef artifact, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(artifact);
        if (Cached(artifact.LeaseToken) is { } cached)
        {
            return cached;
        }

        await making.WaitAsync(cancellationToken);
        try
        {
            if (Cached(artifact.LeaseToken) is { } made)
            {
                return made;
            }

            await using var video = await store.OpenReadAsync(artifact, artifact.VideoName, cancellationToken);
            var jpeg = await MakeAsync(video, cancellationToken);
            if (jpeg is not null)
            {
                Keep(artifact.LeaseToken, jpeg);
            }

            return jpeg;
        }
        finally
        {
            making.Release();
        }
    }

    public void Dispose() => making.Dispose();

    private async Task<byte[]?> MakeAsync(Stream video, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(ffmpeg ?? throw new InvalidOperationException("ffmpeg is not on this gateway's PATH: apt-get install ffmpeg to show posters."))
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])["-v", "error", "-i", "pipe:0", "-frames:v", "1", "-vf", $"scale='min({Width},iw)':-2", "-f", "image2pipe", "-c:v", "mjpeg", "-q:v", "5", "pipe:1"])
        {
            start.ArgumentList.Add(argument);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(MakeTimeout);
        using var process = Process.Start(start)!;
        try
        {
            var feed = FeedAsync(video, process.StandardInput.BaseStream, timeout.Token);
            var errors = process.StandardError.ReadToEndAsync(timeout.Token);
            using var jpeg = new MemoryStream();
            await process.StandardOutput.BaseStream.CopyToAsync(jpeg, timeout.Token);
            await process.WaitForExitAsync(timeout.Token);
            await feed;
            await errors;
            return process.ExitCode == 0 && jpeg.Length > 0 ? jpeg.ToArray() : null;
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }
    }

    /// <summary>Streams the video into ffmpeg until it has read what it needs and closes its end.</summary>
    private static async Task FeedAsync(Stream video, Stream input, CancellationToken cancellationToken)
    {
        try
        {
            await video.CopyToAsync(input, cancellationToken);
            await input.DisposeAsync();
        }
        catch (IOException)
        {
            // ffmpeg had its frame and stopped reading: the rest of the video is not needed.
        }
    }

    private byte[]? Cached(Guid token)
    {
        lock (gate)
        {
            if (!byAttempt.TryGetValue(token, out var node))
            {
                return null;
            }

            latest.Remove(node);
            latest.AddFirst(node);
            return node.Value.Jpeg;
        }
    }

    private void Keep(Guid token, byte[] jpeg)
    {
        lock (gate)
        {
            if (byAttempt.ContainsKey(token))
            {
                return;
            }

            byAttempt[token] = latest.AddFirst((token, jpeg));
            if (latest.Count > Kept)
            {
                byAttempt.Remove(latest.Last!.Value.Token);
                latest.RemoveLast();
            }
        }
    }

    private static string? Find(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, tool))
            .FirstOrDefault(File.Exists);
}
