namespace TurboDiffusion.Engine.Checkpoints;

/// <summary>Opens a checkpoint by what it is, not by its extension: users rename files.</summary>
public static class CheckpointFile
{
    private const string IndexSuffix = ".index.json";

    /// <summary>
    /// A torch.save zip (<see cref="PthFile"/>), a safetensors shard index (<c>*.safetensors.index.json</c>,
    /// <see cref="ShardedSafetensorsFile"/>) or a single <see cref="SafetensorsFile"/>.
    /// </summary>
    public static ITensorReader Open(string path)
    {
        if (path.EndsWith(IndexSuffix, StringComparison.OrdinalIgnoreCase))
        {
            return ShardedSafetensorsFile.Open(path);
        }

        return IsZip(path) ? PthFile.Open(path) : SafetensorsFile.Open(path);
    }

    private static bool IsZip(string path)
    {
        if (!File.Exists(path))
        {
            throw new CheckpointException(path, null, "file not found");
        }

        Span<byte> magic = stackalloc byte[4];
        using var file = File.OpenHandle(path);
        return RandomAccess.Read(file, magic, 0) == 4 && magic.SequenceEqual("PK\u0003\u0004"u8);
    }
}
