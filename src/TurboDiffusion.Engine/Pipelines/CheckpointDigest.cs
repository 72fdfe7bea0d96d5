using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace TurboDiffusion.Engine.Pipelines;

/// <summary>
/// The SHA-256 of a model's files (DiT, experts, text encoder, tokenizer, VAE), by content: two directories with the
/// same weights get the same digest, a replaced file a new one. Hashing reads every byte (tens of GB for a 14B model,
/// about 2 GB/s), so each file's hash is kept while its length and last write time stay the same.
/// </summary>
public sealed class CheckpointDigest
{
    private readonly ConcurrentDictionary<(string Path, long Length, DateTime Written), string> files = new();

    /// <summary>"sha256:{hex}" over the model's files in a fixed order (each file's name and content hash).</summary>
    public async Task<string> OfAsync(ModelFiles model, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        var paths = new[] { model.Dit, model.LowNoiseDit, model.TextEncoder, model.Tokenizer, model.Vae }
            .OfType<string>()
            .SelectMany<string, string>(p => Directory.Exists(p) ? Directory.EnumerateFiles(p, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal) : [p]);
        var manifest = new StringBuilder();
        foreach (var path in paths)
        {
            manifest.Append(Path.GetRelativePath(model.Directory, path).Replace('\\', '/')).Append(' ').Append(await FileAsync(path, cancellationToken)).Append('\n');
        }

        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(manifest.ToString())));
    }

    private async Task<string> FileAsync(string path, CancellationToken cancellationToken)
    {
        var info = new FileInfo(path);
        var key = (info.FullName, info.Length, info.LastWriteTimeUtc);
        if (files.TryGetValue(key, out var known))
        {
            return known;
        }

        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.Asynchronous | FileOptions.SequentialScan);
        var hash = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken));
        files[key] = hash;
        return hash;
    }
}
