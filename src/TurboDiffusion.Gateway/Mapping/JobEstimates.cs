using TurboDiffusion.Client.Models;
using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Farm.Scheduling;
using TurboDiffusion.Gateway.Hosting;
using JobStatus = TurboDiffusion.Farm.Contracts.JobStatus;

namespace TurboDiffusion.Gateway.Mapping;

/// <summary>
/// Job views with their estimates: the scheduler's (one call per pool however many jobs), and for a leased job a
/// finish refined by its own steps from its progress log (<see cref="RunningEstimate"/>).
/// </summary>
public static class JobEstimates
{
    /// <summary>Events of a job's progress log read to time its steps: its stages and steps, a few dozen per attempt.</summary>
    private const int ProgressEvents = 1000;

    public static async Task<JobView> ViewAsync(FarmAccess farm, JobState job)
    {
        ArgumentNullException.ThrowIfNull(farm);
        ArgumentNullException.ThrowIfNull(job);
        return Estimated(job)
            ? await ViewAsync(farm, job, await farm.Grains.GetGrain<ISchedulerGrain>(job.Pool).Estimate(job.JobId))
            : JobViewMapper.ToView(job);
    }

    public static async Task<IReadOnlyList<JobView>> ViewsAsync(FarmAccess farm, IReadOnlyList<JobState> jobs)
    {
        ArgumentNullException.ThrowIfNull(farm);
        ArgumentNullException.ThrowIfNull(jobs);
        var byPool = await Task.WhenAll(jobs.Where(Estimated).GroupBy(j => j.Pool, StringComparer.Ordinal)
            .Select(pool => farm.Grains.GetGrain<ISchedulerGrain>(pool.Key).Estimates([.. pool.Select(j => j.JobId)])));
        var estimates = byPool.SelectMany(e => e).ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);
        return await Task.WhenAll(jobs.Select(j => ViewAsync(farm, j, estimates.GetValueOrDefault(j.JobId))));
    }

    private static bool Estimated(JobState job) => job.Status is JobStatus.Queued or JobStatus.Held || job.Status.IsLeased();

    private static async Task<JobView> ViewAsync(FarmAccess farm, JobState job, JobEstimate? estimate)
    {
        if (estimate is null || !job.Status.IsLeased() || job.Timings.LeasedAt is not { } leasedAt)
        {
            return JobViewMapper.ToView(job, estimate);
        }

        var events = await farm.Progress.ReadAsync(job.JobId, null, ProgressEvents);
        var (finishAt, stepSeconds) = RunningEstimate.Of(leasedAt, job.Spec.Steps, events, estimate.Cost, farm.Time.GetUtcNow());
        return JobViewMapper.ToView(job, estimate with { FinishAt = finishAt }, stepSeconds);
    }
}
