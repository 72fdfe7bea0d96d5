using System.Globalization;
using TurboDiffusion.Cli.Farm;
using TurboDiffusion.Client;
using TurboDiffusion.Client.Models;

namespace TurboDiffusion.Cli.Commands.Remote;

/// <summary>
/// <c>turbo status --batch ID [--watch]</c>: a batch's jobs per status, its pace and ETA. Once, the pace is measured
/// from the batch's creation (queue time before the first worker included, and the gateway's clock against ours);
/// watching, from the first look on, on our clock alone, so it follows the farm as it is now.
/// </summary>
public static class BatchStatus
{
    public static async Task<int> ShowAsync(TurboFarmClient client, string batchId, TimeSpan? watchInterval, TextWriter output, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(time);
        var first = await client.GetBatchAsync(batchId, cancellationToken).ConfigureAwait(false);
        var firstAt = time.GetUtcNow();
        Describe(output, first, BatchPace.SinceCreated(first, firstAt), "since the batch was created");
        var latest = first;
        while (watchInterval is { } interval && !latest.IsFinished)
        {
            await Task.Delay(interval, time, cancellationToken).ConfigureAwait(false);
            latest = await client.GetBatchAsync(batchId, cancellationToken).ConfigureAwait(false);
            Describe(output, latest, BatchPace.Between(first.Finished, firstAt, latest, time.GetUtcNow()), "while watching");
        }

        return 0;
    }

    /// <param name="window">What the pace was measured over, as the end of a sentence ("since the batch was created").</param>
    public static void Describe(TextWriter output, BatchView batch, BatchPace pace, string window)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(pace);
        var rejected = batch.Rejected > 0 ? Invariant($", {batch.Rejected:N0} rejected (submit the file again with the same key after {batch.RetryAfterSeconds ?? 0:0} s)") : "";
        output.WriteLine(Invariant($"batch {batch.Id} ({batch.Tenant}, created {batch.CreatedAt:u}): {batch.Finished:N0} of {batch.Total:N0} jobs finished{rejected}"));
        var counts = Enum.GetValues<JobStatus>().Where(s => batch.CountOf(s) > 0).Select(s => Invariant($"{WireNames.Of(s)} {batch.CountOf(s):N0}")).ToList();
        output.WriteLine($"  {(counts.Count == 0 ? "no jobs" : string.Join(", ", counts))}");
        output.WriteLine(Invariant($"  pace: {pace.PerMinute:N1} jobs finished per minute over {BatchPace.Span(pace.Window)} {window}"));
        output.WriteLine($"  {pace.DescribeEta()}");
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
