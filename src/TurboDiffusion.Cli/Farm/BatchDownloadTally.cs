using System.Globalization;

namespace TurboDiffusion.Cli.Farm;

/// <summary>What a batch download did with one job.</summary>
public enum BatchDownloadOutcome
{
    Downloaded,
    AlreadyThere,
    NotFinished,

    /// <summary>The job ended failed, canceled or expired: there is nothing to download.</summary>
    WithoutVideo,

    /// <summary>The job succeeded but its files could not be saved.</summary>
    Failed,
}

/// <summary>Jobs of a batch download per outcome; parallel downloads add to it at once.</summary>
public sealed class BatchDownloadTally
{
    private readonly int[] counts = new int[Enum.GetValues<BatchDownloadOutcome>().Length];
    private int jobs;

    public int Jobs => Volatile.Read(ref jobs);

    public int this[BatchDownloadOutcome outcome] => Volatile.Read(ref counts[(int)outcome]);

    /// <summary>Counts one job; answers the jobs counted so far, this one included.</summary>
    public int Add(BatchDownloadOutcome outcome)
    {
        Interlocked.Increment(ref counts[(int)outcome]);
        return Interlocked.Increment(ref jobs);
    }

    /// <summary>"1,234 downloaded, 50 already there, 10 not finished, 3 without a video, 2 failed".</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{this[BatchDownloadOutcome.Downloaded]:N0} downloaded, {this[BatchDownloadOutcome.AlreadyThere]:N0} already there, "
        + $"{this[BatchDownloadOutcome.NotFinished]:N0} not finished, {this[BatchDownloadOutcome.WithoutVideo]:N0} without a video, "
        + $"{this[BatchDownloadOutcome.Failed]:N0} failed");
}
