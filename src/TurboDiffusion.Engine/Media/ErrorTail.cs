namespace TurboDiffusion.Engine.Media;

/// <summary>
/// The last lines a child process wrote to stderr. Bounded, because a long encode can log without
/// end, and only the lines before a failure explain it.
/// </summary>
internal sealed class ErrorTail(int capacity = ErrorTail.DefaultCapacity)
{
    public const int DefaultCapacity = 20;

    private readonly Queue<string> lines = new(capacity);

    /// <summary>Keeps one line; null (the end of the stream) and blank lines are skipped.</summary>
    public void Add(string? line)
    {
        if (string.IsNullOrWhiteSpace(line))
        {
            return;
        }

        lock (lines)
        {
            if (lines.Count == capacity)
            {
                lines.Dequeue();
            }

            lines.Enqueue(line.TrimEnd());
        }
    }

    public IReadOnlyList<string> Lines()
    {
        lock (lines)
        {
            return [.. lines];
        }
    }
}
