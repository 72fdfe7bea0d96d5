using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Farm.Metrics;

namespace TurboDiffusion.Silo.Worker;

/// <summary>The worker's state as health checks, metrics and the registry see it. Thread-safe.</summary>
public sealed class WorkerStatus(TimeProvider time, FarmMetrics metrics)
{
    private readonly Lock gate = new();
    private WorkerState state = WorkerState.Starting;
    private DateTimeOffset lastTick = time.GetUtcNow();
    private bool counted;

    public WorkerState State
    {
        get
        {
            lock (gate)
            {
                return state;
            }
        }
    }

    public string? CurrentJobId { get; private set; }

    /// <summary>Why the worker took itself out, when it did.</summary>
    public string? UnhealthyReason { get; private set; }

    public DateTimeOffset LastTick
    {
        get
        {
            lock (gate)
            {
                return lastTick;
            }
        }
    }

    /// <summary>True once the worker accepts no new work (draining or unhealthy).</summary>
    public bool IsOut => State is WorkerState.Draining or WorkerState.Unhealthy;

    public void Tick()
    {
        lock (gate)
        {
            lastTick = time.GetUtcNow();
        }
    }

    public void Busy(string jobId)
    {
        CurrentJobId = jobId;
        Move(WorkerState.Busy);
    }

    public void Loading() => Move(WorkerState.Loading);

    public void Idle()
    {
        CurrentJobId = null;
        Move(WorkerState.Idle);
    }

    public void Draining() => Move(WorkerState.Draining);

    public void Unhealthy(string reason)
    {
        UnhealthyReason = reason;
        Move(WorkerState.Unhealthy);
    }

    /// <summary>Unhealthy and draining are sticky: only a restart brings the worker back.</summary>
    private void Move(WorkerState next)
    {
        lock (gate)
        {
            if (state == next || (IsOutState(state) && !(state == WorkerState.Draining && next == WorkerState.Unhealthy)))
            {
                return;
            }

            if (counted)
            {
                metrics.WorkerState.WithLabels(state.Label()).Dec();
            }

            state = next;
            counted = true;
            metrics.WorkerState.WithLabels(state.Label()).Inc();
            lastTick = time.GetUtcNow();
        }
    }

    private static bool IsOutState(WorkerState s) => s is WorkerState.Draining or WorkerState.Unhealthy;
}
