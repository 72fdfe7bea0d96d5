using System.Collections.Immutable;
using TurboDiffusion.Farm.Contracts;

namespace TurboDiffusion.Farm.Scheduling;

/// <summary>
/// A pool's last hour a minute at a time, for its charts: the most jobs queued at once (sampled every scheduler sweep)
/// and the jobs that succeeded. At most 60 minutes are kept; minutes the scheduler was not active are missing.
/// </summary>
internal sealed class PoolHistory
{
    public static readonly TimeSpan Span = TimeSpan.FromHours(1);

    private readonly List<PoolMinute> minutes = [];

    public void Observe(int depth, DateTimeOffset now)
    {
        var current = Current(now);
        if (depth > current.Depth)
        {
            minutes[^1] = current with { Depth = depth };
        }
    }

    public void Finished(DateTimeOffset now)
    {
        var current = Current(now);
        minutes[^1] = current with { Finished = current.Finished + 1 };
    }

    /// <summary>The minutes of the last hour, oldest first.</summary>
    public ImmutableArray<PoolMinute> LastHour(DateTimeOffset now)
    {
        Current(now);
        return [.. minutes];
    }

    private PoolMinute Current(DateTimeOffset now)
    {
        var minute = new DateTimeOffset(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerMinute), TimeSpan.Zero);
        if (minutes.Count == 0 || minutes[^1].At < minute)
        {
            minutes.Add(new PoolMinute(minute, 0, 0));
        }

        minutes.RemoveAll(m => m.At <= minute - Span);
        return minutes[^1];
    }
}
