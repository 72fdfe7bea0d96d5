using System.Diagnostics.Metrics;
using Prometheus;

namespace TurboDiffusion.Farm.Metrics;

/// <summary>
/// prometheus-net republishes every .NET meter; of Orleans' own (meter "Microsoft.Orleans") only these are
/// worth a series: request latency and timeouts, activations, load shedding, message throughput. The rest
/// (per-destination ping metrics among them) would add a series per silo restart.
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
        "orleans-gateway-load-shedding",
        "orleans-messaging-sent-messages",
        "orleans-messaging-received-messages",
        "orleans-messaging-rejected-messages",
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
