using System.Globalization;
using TurboDiffusion.Farm.Contracts;

namespace TurboDiffusion.Farm.Progress;

/// <summary>Progress streams in process memory for the embedded farm: the last <see cref="EventsPerJob"/> events of the last <see cref="MaxJobs"/> jobs.</summary>
public sealed class InMemoryProgressLog(TimeProvider time) : IProgressLog
{
    public const int EventsPerJob = 1000;
    public const int MaxJobs = 1000;

    private readonly Lock gate = new();
    private readonly Dictionary<string, (long Next, Queue<JobProgressEvent> Events)> streams = [];
    private readonly Queue<string> order = new();

    public string IdForm => "a whole number such as 42";

    public bool IsEventId(string id) => long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out _);

    public Task AppendAsync(string jobId, JobProgress progress, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(progress);
        lock (gate)
        {
            if (!streams.TryGetValue(jobId, out var stream))
            {
                if (order.Count >= MaxJobs)
                {
                    streams.Remove(order.Dequeue());
                }

                stream = (1, new Queue<JobProgressEvent>());
                order.Enqueue(jobId);
            }

            stream.Events.Enqueue(new JobProgressEvent(stream.Next.ToString(CultureInfo.InvariantCulture), progress.Stage, progress.Done, progress.Total, progress.Elapsed, time.GetUtcNow()));
            if (stream.Events.Count > EventsPerJob)
            {
                stream.Events.Dequeue();
            }

            streams[jobId] = (stream.Next + 1, stream.Events);
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<JobProgressEvent>> ReadAsync(string jobId, string? afterId, int count, CancellationToken cancellationToken = default)
    {
        var after = afterId is null ? 0 : long.Parse(afterId, CultureInfo.InvariantCulture);
        lock (gate)
        {
            IReadOnlyList<JobProgressEvent> events = streams.TryGetValue(jobId, out var stream)
                ? [.. stream.Events.Where(e => long.Parse(e.Id, CultureInfo.InvariantCulture) > after).Take(count)]
                : [];
            return Task.FromResult(events);
        }
    }
}
