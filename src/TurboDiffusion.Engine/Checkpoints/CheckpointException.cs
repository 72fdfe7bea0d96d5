namespace TurboDiffusion.Engine.Checkpoints;

/// <summary>A checkpoint is unreadable or does not match what the model expects. The message names file and key.</summary>
public sealed class CheckpointException : JobInputException
{
    public CheckpointException(string file, string? key, string problem, Exception? inner = null)
        : base(key is null ? $"{file}: {problem}" : $"{file}, tensor '{key}': {problem}", inner)
    {
        FilePath = file;
        Key = key;
    }

    public string FilePath { get; }

    public string? Key { get; }
}
