using System.Diagnostics.Metrics;
using Prometheus;

namespace TurboDiffusion.Farm.Metrics;

/// <summary>
/// prometheus-net republishes every .NET meter; of Orleans' own (meter "Microsoft.Orleans") only these are
/// worth a series: request latency and timeouts, activations and grains, gateway clients and load shedding,
/// rejected, expired and failed messages, long-running turns. The rest (per-destination ping metrics among them)
/// would add series per silo restart or repeat what the farm's own metrics say.
/// </summary>
public static class OrleansMeterFilter
{
    public const string OrleansMeter = "Microsoft.Orleans";

    public static readonly IReadOnlySet<string> Kept = new HashSet<string>(StringComparer.Ordinal)
    {
        "orleans-app-requests-latency",
        "orleans-app-requests-timedout",
        "orleans-catalog-activations",
        "orleans-catalog-activation-failed-to-activate",
        "orleans-grains",
        "orleans-gateway-connected-clients",
        "orleans-gateway-load-shedding",
        "orleans-messaging-rejected",
        "orleans-messaging-expired",
        "orleans-messaging-sent-failed",
        "orleans-messaging-sent-dropped",
        "orleans-scheduler-long-running-turns",
    };

    /// <summary>Keeps every non-Orleans instrument and only <see cref="Kept"/> of Orleans'.</summary>
    public static bool Keep(Instrument instrument)
    {
        ArgumentNullException.ThrowIfNull(instrument);
        return instrument.Meter.Name != OrleansMeter || Kept.Contains(instrument.Name);
    }

    /// <summary>Applies the filter to the meter adapter prometheus-net starts for its default registry (call at startup).</summary>
    public static void ApplyToDefaultRegistry() =>
        Prometheus.Metrics.ConfigureMeterAdapter(options => options.InstrumentFilterPredicate = Keep);
}
