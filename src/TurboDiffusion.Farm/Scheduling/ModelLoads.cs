using System.Collections.Immutable;
using TurboDiffusion.Farm.Contracts;

namespace TurboDiffusion.Farm.Scheduling;

/// <summary>
/// What loading a model costs each worker, learned from the loads its rendered jobs showed (<see cref="CostSample.LoadSeconds"/>),
/// as a moving average giving the newest load a weight of <see cref="MeasuredCosts.NewestWeight"/>. A worker that never
/// loaded a model is priced by that model's average over the workers that did (the same weights from the same disks, most
/// likely), and a model no worker loaded yet by <paramref name="configured"/>. Kept in the scheduler's memory, like
/// <see cref="MeasuredCosts"/>: a scheduler that moves learns again.
/// </summary>
internal sealed class ModelLoads(TimeSpan configured)
{
    private readonly Dictionary<(string Worker, string Model), Learned> byWorker = [];
    private readonly Dictionary<string, Learned> byModel = new(StringComparer.Ordinal);

    /// <summary>Learns one load; a load that is not a number of seconds of zero or more is ignored.</summary>
    public void Record(string workerId, string model, double seconds)
    {
        if (!double.IsFinite(seconds) || seconds < 0)
        {
            return;
        }

        Learn(byWorker, (workerId, model), seconds);
        Learn(byModel, model, seconds);
    }

    /// <summary>Expected seconds for <paramref name="workerId"/> to load <paramref name="model"/>.</summary>
    public double SecondsOf(string workerId, string model) =>
        byWorker.TryGetValue((workerId, model), out var own) ? own.Seconds
        : byModel.TryGetValue(model, out var others) ? others.Seconds
        : configured.TotalSeconds;

    /// <summary>Every (worker, model) measured so far.</summary>
    public ImmutableArray<MeasuredLoad> Measured() =>
        [.. byWorker.OrderBy(e => e.Key.Worker, StringComparer.Ordinal).ThenBy(e => e.Key.Model, StringComparer.Ordinal)
            .Select(e => new MeasuredLoad(e.Key.Worker, e.Key.Model, e.Value.Seconds, e.Value.Loads))];

    private static void Learn<TKey>(Dictionary<TKey, Learned> learned, TKey key, double seconds)
        where TKey : notnull
    {
        if (learned.TryGetValue(key, out var known))
        {
            known.Seconds += MeasuredCosts.NewestWeight * (seconds - known.Seconds);
            known.Loads++;
        }
        else
        {
            learned.Add(key, new Learned { Seconds = seconds, Loads = 1 });
        }
    }

    private sealed class Learned
    {
        public double Seconds { get; set; }

        public int Loads { get; set; }
    }
}
