using System.Collections.Immutable;
using TurboDiffusion.Cli.Farm;
using TurboDiffusion.Client.Models;

namespace TurboDiffusion.Cli.Tests.Farm;

public sealed class BatchPaceTests
{
    private static readonly DateTimeOffset Created = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Pace_since_creation_divides_finished_jobs_by_minutes_and_the_eta_covers_the_rest()
    {
        var batch = Batch(total: 100, succeeded: 25, failed: 5);

        var pace = BatchPace.SinceCreated(batch, Created.AddMinutes(10));

        Assert.Equal(3, pace.PerMinute, precision: 9);
        Assert.Equal(70, pace.Remaining);
        Assert.Equal(TimeSpan.FromMinutes(70 / 3.0), pace.Eta);
        Assert.Equal("ETA 23 min (70 left)", pace.DescribeEta());
    }

    [Fact]
    public void Pace_between_two_looks_counts_only_the_jobs_finished_in_between()
    {
        var batch = Batch(total: 1000, succeeded: 400);

        var pace = BatchPace.Between(100, Created.AddHours(1), batch, Created.AddHours(1).AddMinutes(5));

        Assert.Equal(60, pace.PerMinute, precision: 9);
        Assert.Equal("ETA 10 min (600 left)", pace.DescribeEta());
    }

    [Fact]
    public void The_eta_is_unknown_while_no_job_finished_and_nothing_is_left_once_every_job_but_the_rejected_did()
    {
        var waiting = BatchPace.SinceCreated(Batch(total: 50, succeeded: 0), Created.AddSeconds(40));
        var done = BatchPace.SinceCreated(Batch(total: 100, succeeded: 80, rejected: 20), Created.AddHours(2));

        Assert.Null(waiting.Eta);
        Assert.Equal("ETA unknown: no job finished in 40 s (50 left)", waiting.DescribeEta());
        Assert.Equal(TimeSpan.Zero, done.Eta);
        Assert.Equal("nothing left", done.DescribeEta());
    }

    [Theory]
    [InlineData(39.2, "40 s")]
    [InlineData(125, "2 min")]
    [InlineData(7500, "2 h 5 min")]
    [InlineData(183600, "2 d 3 h")]
    public void Spans_read_in_their_two_largest_units(double seconds, string expected) =>
        Assert.Equal(expected, BatchPace.Span(TimeSpan.FromSeconds(seconds)));

    private static BatchView Batch(int total, int succeeded, int failed = 0, int rejected = 0)
    {
        var counts = ImmutableDictionary.CreateBuilder<string, int>();
        counts.Add("succeeded", succeeded);
        counts.Add("failed", failed);
        counts.Add("queued", total - rejected - succeeded - failed);
        return new BatchView("batch_1", "studio", total, counts.ToImmutable(), succeeded + failed, rejected, null, Created, IsFinished: false);
    }
}
