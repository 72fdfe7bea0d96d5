using System.Diagnostics.Metrics;
using TurboDiffusion.Farm.Metrics;

namespace TurboDiffusion.Farm.Tests.Metrics;

public sealed class OrleansMeterFilterTests
{
    [Fact]
    public void Keeps_the_useful_orleans_instruments_drops_the_rest_and_leaves_other_meters_alone()
    {
        using var orleans = new Meter(OrleansMeterFilter.OrleansMeter);
        using var other = new Meter("TurboDiffusion.Something");

        Assert.True(OrleansMeterFilter.Keep(orleans.CreateHistogram<double>("orleans-app-requests-latency")));
        Assert.True(OrleansMeterFilter.Keep(orleans.CreateCounter<long>("orleans-gateway-load-shedding")));
        Assert.False(OrleansMeterFilter.Keep(orleans.CreateCounter<long>("orleans-messaging-pings-sent")));
        Assert.False(OrleansMeterFilter.Keep(orleans.CreateCounter<long>("orleans-directory-lookups-full-issued")));
        Assert.True(OrleansMeterFilter.Keep(other.CreateCounter<long>("orleans-messaging-pings-sent")));
    }
}
