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

    /// <summary>Why the worker took itself out or is unready, while it is.</summary>
    public string? Reason { get; private set; }

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

    /// <summary>True once the worker accepts no new work until it restarts (draining or unhealthy).</summary>
    public bool IsOut => IsOutState(State);

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

    /// <summary>A preflight failed or the machine failed jobs in a row: no leases until a preflight passes (<see cref="Ready"/>).</summary>
    public void Unready(string reason)
    {
        if (Move(WorkerState.Unready))
        {
            Reason = reason;
        }
    }

    /// <summary>A preflight passed: an unready (or starting) worker takes work again.</summary>
    public void Ready()
    {
        if (Move(WorkerState.Idle))
        {
            Reason = null;
        }
    }

    public void Draining() => Move(WorkerState.Draining);

    public void Unhealthy(string reason)
    {
        if (Move(WorkerState.Unhealthy))
        {
            Reason = reason;
        }
    }

    /// <summary>Unhealthy and draining are sticky: only a restart brings the worker back. False when the move was refused.</summary>
    private bool Move(WorkerState next)
    {
        lock (gate)
        {
            if (IsOutState(state) && !(state == WorkerState.Draining && next == WorkerState.Unhealthy))
            {
                return false;
            }

            if (state == next)
            {
                return true;
            }

            if (counted)
            {
                metrics.WorkerState.WithLabels(state.Label()).Dec();
            }

            state = next;
            counted = true;
            metrics.WorkerState.WithLabels(state.Label()).Inc();
            lastTick = time.GetUtcNow();
            return true;
        }
    }

    private static bool IsOutState(WorkerState s) => s is WorkerState.Draining or WorkerState.Unhealthy;
}
