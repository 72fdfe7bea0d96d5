using TurboDiffusion.Farm.Contracts;

namespace TurboDiffusion.Farm.Progress;

/// <summary>
/// Per-job streams of fine-grained progress, written by the worker at every step and read by whoever relays it
/// (SSE, SDK). Bounded per job; the job grain only keeps a coarse copy.
/// </summary>
public interface IProgressLog
{
    Task AppendAsync(string jobId, JobProgress progress, CancellationToken cancellationToken = default);

    /// <summary>How this log's event ids read, for a client that sent something else ("a whole number such as 42").</summary>
    string IdForm { get; }

    /// <summary>Whether <paramref name="id"/> has the form of this log's event ids, so reading after it cannot fail on it.</summary>
    bool IsEventId(string id);

    /// <summary>
    /// Events after <paramref name="afterId"/> (from the start when null), oldest first, at most <paramref name="count"/>.
    /// <paramref name="afterId"/> must pass <see cref="IsEventId"/>.
    /// </summary>
    Task<IReadOnlyList<JobProgressEvent>> ReadAsync(string jobId, string? afterId, int count, CancellationToken cancellationToken = default);
}
