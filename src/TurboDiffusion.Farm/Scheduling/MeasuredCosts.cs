using TurboDiffusion.Farm.Contracts;

namespace TurboDiffusion.Farm.Scheduling;

/// <summary>
/// What jobs of a pool cost, learned from the jobs its workers rendered (a <see cref="CostSample"/> comes with each
/// rendered success) per (model, resolution, frames, steps). Each figure is a moving average giving the newest sample
/// a weight of <see cref="NewestWeight"/>: it follows a change of cards or settings within a few jobs, while one odd job
/// (a cold cache, a slow upload) moves it little. A size not measured yet takes Turbo:Cost's estimate scaled by how
/// its model measured against that estimate at the sizes it did render; a model not measured at all takes the
/// estimate as it is. Kept in the scheduler's memory: a scheduler that moves to another silo learns again.
/// </summary>
internal sealed class MeasuredCosts(JobCostEstimate configured)
{
    public const double NewestWeight = 0.3;

    private readonly Dictionary<CostKey, Learned> byKey = [];
    private readonly Dictionary<string, double> measuredOverEstimate = new(StringComparer.Ordinal);

    /// <summary>Changes with every sample taken, so sums cached over the queue know they are out of date.</summary>
    public int Version { get; private set; }

    /// <summary>Learns from one rendered job; a sample with a run time that is not a positive number is ignored.</summary>
    public void Record(CostSample sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        if (!double.IsFinite(sample.RunSeconds) || sample.RunSeconds <= 0)
        {
            return;
        }

        var key = new CostKey(sample.Model, sample.Resolution, sample.Frames, sample.Steps);
        var learned = byKey.GetValueOrDefault(key);
        if (learned is null)
        {
            learned = new Learned { Seconds = sample.RunSeconds };
            byKey.Add(key, learned);
        }
        else
        {
            learned.Seconds = Average(learned.Seconds, sample.RunSeconds);
        }

        learned.StepSeconds = Usable(sample.StepSeconds) is { } step ? Average(learned.StepSeconds, step) : learned.StepSeconds;
        learned.TailSeconds = Usable(sample.TailSeconds) is { } tail ? Average(learned.TailSeconds, tail) : learned.TailSeconds;

        var estimate = configured.Figures(new QueueTicket(string.Empty, string.Empty, sample.Model, JobPriority.Normal, default, default, sample.Resolution, Frames: sample.Frames, Steps: sample.Steps));
        measuredOverEstimate[sample.Model] = Average(measuredOverEstimate.TryGetValue(sample.Model, out var ratio) ? ratio : null, sample.RunSeconds / estimate.Seconds);
        Version++;
    }

    /// <summary>How <paramref name="model"/>'s rendered jobs measured against Turbo:Cost's estimate of them; 1 before any did.</summary>
    public double MeasuredOverConfigured(string model) => measuredOverEstimate.TryGetValue(model, out var ratio) ? ratio : 1;

    /// <summary>What <paramref name="ticket"/>'s job is expected to cost: measured, scaled from its model, or configured.</summary>
    public CostFigures Of(QueueTicket ticket)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        var estimate = configured.Figures(ticket);
        if (byKey.TryGetValue(new CostKey(ticket.Model, ticket.Resolution, ticket.Frames, ticket.Steps), out var learned))
        {
            var scale = learned.Seconds / estimate.Seconds;
            return new CostFigures(learned.Seconds, learned.StepSeconds ?? (estimate.StepSeconds * scale), learned.TailSeconds ?? (estimate.TailSeconds * scale), CostSource.Measured);
        }

        return measuredOverEstimate.TryGetValue(ticket.Model, out var ratio)
            ? new CostFigures(estimate.Seconds * ratio, estimate.StepSeconds * ratio, estimate.TailSeconds * ratio, CostSource.Model)
            : estimate;
    }

    private static double Average(double? current, double sample) =>
        current is { } value ? value + (NewestWeight * (sample - value)) : sample;

    private static double? Usable(double? seconds) => seconds is { } s && double.IsFinite(s) && s >= 0 ? s : null;

    private readonly record struct CostKey(string Model, JobResolution Resolution, int Frames, int Steps);

    private sealed class Learned
    {
        public double Seconds { get; set; }

        public double? StepSeconds { get; set; }

        public double? TailSeconds { get; set; }
    }
}
