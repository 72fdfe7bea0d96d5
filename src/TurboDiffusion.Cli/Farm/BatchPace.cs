using System.Globalization;
using TurboDiffusion.Client.Models;

namespace TurboDiffusion.Cli.Farm;

/// <summary>
/// How fast a batch finishes jobs (failed, canceled and expired ones count: they leave the queue too) over a window,
/// and when its remaining jobs end at that pace. Rejected items are not jobs and are left out of the remainder.
/// </summary>
/// <param name="PerMinute">Jobs finished per minute over the window.</param>
/// <param name="Window">The time measured over.</param>
/// <param name="Remaining">Jobs not finished yet.</param>
/// <param name="Eta">Time until the remaining jobs finish; null when none finished in the window, so no pace is known.</param>
public sealed record BatchPace(double PerMinute, TimeSpan Window, int Remaining, TimeSpan? Eta)
{
    /// <summary>The pace from the batch's creation to <paramref name="now"/>.</summary>
    public static BatchPace SinceCreated(BatchView batch, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return Between(0, batch.CreatedAt, batch, now);
    }

    /// <summary>The pace between an earlier summary (<paramref name="finishedBefore"/> finished at <paramref name="before"/>) and <paramref name="batch"/> read at <paramref name="now"/>.</summary>
    public static BatchPace Between(int finishedBefore, DateTimeOffset before, BatchView batch, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var window = now > before ? now - before : TimeSpan.Zero;
        var finished = Math.Max(0, batch.Finished - finishedBefore);
        var perMinute = window > TimeSpan.Zero ? finished / window.TotalMinutes : 0;
        var remaining = Math.Max(0, batch.Total - batch.Rejected - batch.Finished);
        TimeSpan? eta = remaining == 0 ? TimeSpan.Zero
            : perMinute > 0 ? TimeSpan.FromMinutes(remaining / perMinute)
            : null;
        return new BatchPace(perMinute, window, remaining, eta);
    }

    /// <summary>"ETA 2 h 5 min (12,000 left)", "ETA unknown: no job finished in 40 s (12,000 left)", "nothing left".</summary>
    public string DescribeEta() =>
        Remaining == 0 ? "nothing left"
        : Eta is { } eta ? string.Create(CultureInfo.InvariantCulture, $"ETA {Span(eta)} ({Remaining:N0} left)")
        : string.Create(CultureInfo.InvariantCulture, $"ETA unknown: no job finished in {Span(Window)} ({Remaining:N0} left)");

    /// <summary>"2 d 3 h", "2 h 5 min", "12 min", "40 s".</summary>
    public static string Span(TimeSpan span) => span switch
    {
        { TotalDays: >= 1 } => $"{(int)span.TotalDays} d {span.Hours} h",
        { TotalHours: >= 1 } => $"{(int)span.TotalHours} h {span.Minutes} min",
        { TotalMinutes: >= 1 } => $"{(int)span.TotalMinutes} min",
        _ => $"{(int)Math.Ceiling(span.TotalSeconds)} s",
    };
}
