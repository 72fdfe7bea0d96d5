using TurboDiffusion.Farm.Options;

namespace TurboDiffusion.Farm.Scheduling;

/// <summary>
/// The priced rule's threshold (<see cref="SwitchRule.Priced"/>): how much longer, in seconds, a job of a model the
/// worker has not loaded must have waited than the best job of its loaded model before the worker switches.
/// <c>price = SwitchCostWeight x load + (warm work &lt; load ? warm work : 0)</c>, where <c>load</c> is what loading the cold
/// model measured on this worker (<see cref="ModelLoads"/>) and <c>warm work</c> the expected seconds of every queued job
/// of the loaded model. While the loaded model's queued work is shorter than one load, finishing it first delays the cold
/// job by less than the switch back would cost, so the threshold grows by that work; it never exceeds
/// <c>(SwitchCostWeight + 1) x load</c>, which bounds how long a worker's warmth can hold a job back.
/// </summary>
internal sealed class SwitchPrice(SchedulerOptions options, ModelLoads loads, MeasuredCosts costs)
{
    public ModelLoads Loads => loads;

    public MeasuredCosts Costs => costs;

    /// <param name="warmConfiguredSeconds">The queued jobs of <paramref name="warmModel"/>, at their configured estimate (Turbo:Cost).</param>
    public double Seconds(string workerId, string coldModel, string warmModel, double warmConfiguredSeconds)
    {
        var load = loads.SecondsOf(workerId, coldModel);
        var warmWork = warmConfiguredSeconds * costs.MeasuredOverConfigured(warmModel);
        return (options.SwitchCostWeight * load) + (warmWork < load ? warmWork : 0);
    }
}
