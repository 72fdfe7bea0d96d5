using TurboDiffusion.Farm.Options;

namespace TurboDiffusion.Farm.Scheduling;

/// <summary>
/// The priced rule's threshold (<see cref="SwitchRule.Priced"/>): how much longer, in seconds, a job of a model the
/// worker has not loaded must have waited than the best job of its loaded model before the worker switches:
/// <c>price = SwitchCostWeight x load + min(warm work, AgeingInterval)</c>, where <c>load</c> is what loading the cold
/// model measured on this worker (<see cref="ModelLoads"/>) and <c>warm work</c> the expected seconds of every queued job
/// of the loaded model. A switch costs its load, and the more work of the loaded model is queued the more a switch away
/// delays (someone must load it again while the queue is long), so a backlog keeps workers on their models while a short
/// queue lets them switch as soon as the load is paid for. The ageing interval caps that part, which bounds how long a
/// worker's warmth can hold a job back: <c>SwitchCostWeight x load + AgeingInterval</c>.
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
        return (options.SwitchCostWeight * load) + Math.Min(warmWork, options.AgeingInterval.TotalSeconds);
    }
}
