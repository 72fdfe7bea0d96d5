using System.Text.Json;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Checkpoints;

/// <summary>
/// A checkpoint split into several safetensors files by a <c>*.safetensors.index.json</c> whose
/// <c>weight_map</c> names each tensor's shard, as the official 14B Wan releases are.
/// </summary>
public sealed class ShardedSafetensorsFile : ITensorReader
{
    private readonly List<SafetensorsFile> shards;
    private readonly Dictionary<string, SafetensorsFile> owners;

    private ShardedSafetensorsFile(string path, List<SafetensorsFile> shards, Dictionary<string, SafetensorsFile> owners)
    {
        Path = path;
        this.shards = shards;
        this.owners = owners;
        Names = owners.Keys.ToList();
    }

    public string Path { get; }

    public IReadOnlyCollection<string> Names { get; }

    public static ShardedSafetensorsFile Open(string indexPath)
    {
        var weightMap = ReadWeightMap(indexPath);
        var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(indexPath))!;
        var shards = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
        try
        {
            var owners = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
            foreach (var (name, shardName) in weightMap)
            {
                if (!shards.TryGetValue(shardName, out var shard))
                {
                    shards[shardName] = shard = SafetensorsFile.Open(System.IO.Path.Combine(directory, shardName));
                }

                owners[name] = shard.Contains(name)
                    ? shard
                    : throw new CheckpointException(indexPath, name, $"the index places it in {shardName}, which does not hold it");
            }

            return new ShardedSafetensorsFile(indexPath, [.. shards.Values], owners);
        }
        catch
        {
            foreach (var shard in shards.Values)
            {
                shard.Dispose();
            }

            throw;
        }
    }

    public bool Contains(string name) => owners.ContainsKey(name);

    public TensorInfo Info(string name) => Owner(name).Info(name);

    public Tensor Load(string name, ScalarType? type = null, Device? device = null) => Owner(name).Load(name, type, device);

    public void Dispose()
    {
        foreach (var shard in shards)
        {
            shard.Dispose();
        }
    }

    private SafetensorsFile Owner(string name) =>
        owners.TryGetValue(name, out var shard)
            ? shard
            : throw new CheckpointException(Path, name, $"not in the index ({owners.Count} tensors; e.g. {string.Join(", ", Names.Take(5))})");

    private static List<KeyValuePair<string, string>> ReadWeightMap(string indexPath)
    {
        if (!File.Exists(indexPath))
        {
            throw new CheckpointException(indexPath, null, "file not found");
        }

        try
        {
            using var index = JsonDocument.Parse(File.ReadAllBytes(indexPath));
            return index.RootElement.GetProperty("weight_map").EnumerateObject()
                .Select(p => new KeyValuePair<string, string>(p.Name, p.Value.GetString() ?? throw new FormatException($"shard of '{p.Name}' is not a file name")))
                .ToList();
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new CheckpointException(indexPath, null, $"expected a safetensors index with a \"weight_map\" object of tensor name to shard file: {e.Message}", e);
        }
    }
}
