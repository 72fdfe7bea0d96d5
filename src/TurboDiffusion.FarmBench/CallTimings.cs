using System.Collections.Concurrent;
using System.Diagnostics;
using TurboDiffusion.Farm.Contracts;

namespace TurboDiffusion.FarmBench;

/// <summary>
/// An outgoing grain-call filter on every bench silo that times the calls a GPU worker makes for a job (lease,
/// heartbeat, start, progress, upload, complete, fail): the farm's overhead around the engine. Calls between grains
/// (scheduler to job and back) are nested inside these and not counted twice.
/// </summary>
internal sealed class CallTimings : IOutgoingGrainCallFilter
{
    private static readonly HashSet<string> JobCalls = [nameof(IJobGrain.Start), nameof(IJobGrain.ReportProgress), nameof(IJobGrain.BeginUpload), nameof(IJobGrain.Complete), nameof(IJobGrain.Fail)];

    private readonly ConcurrentBag<TimeSpan> leaseCalls = [];
    private readonly ConcurrentDictionary<string, long> perJobTicks = new(StringComparer.Ordinal);

    public IReadOnlyCollection<TimeSpan> LeaseCalls => leaseCalls;

    public IReadOnlyCollection<TimeSpan> PerJob => [.. perJobTicks.Values.Select(TimeSpan.FromTicks)];

    public async Task Invoke(IOutgoingGrainCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var method = context.InterfaceMethod?.Name;
        var declaring = context.InterfaceMethod?.DeclaringType;
        var started = Stopwatch.GetTimestamp();
        await context.Invoke();
        var elapsed = Stopwatch.GetElapsedTime(started);
        if (declaring == typeof(ISchedulerGrain) && method == nameof(ISchedulerGrain.LeaseNext) && context.Result is JobLease lease)
        {
            leaseCalls.Add(elapsed);
            Add(lease.JobId, elapsed);
        }
        else if (declaring == typeof(ISchedulerGrain) && method == nameof(ISchedulerGrain.Heartbeat) && context.Request.GetArgument(0) is string heartbeatJob)
        {
            Add(heartbeatJob, elapsed);
        }
        else if (declaring == typeof(IJobGrain) && method is not null && JobCalls.Contains(method))
        {
            Add(context.TargetId.Key.ToString(), elapsed);
        }
    }

    private void Add(string jobId, TimeSpan elapsed) => perJobTicks.AddOrUpdate(jobId, elapsed.Ticks, (_, ticks) => ticks + elapsed.Ticks);
}
