using TurboDiffusion.Farm.Scheduling;

namespace TurboDiffusion.Farm.Tests.Scheduling;

public sealed class ModelLoadsTests
{
    [Fact]
    public void A_load_is_priced_by_the_workers_own_average_then_by_other_workers_then_by_the_setting()
    {
        var loads = new ModelLoads(TimeSpan.FromSeconds(30));

        loads.Record("w1", "wan-14b", 10);
        loads.Record("w1", "wan-14b", 20);
        loads.Record("w2", "wan-14b", 60);

        Assert.Equal(13, loads.SecondsOf("w1", "wan-14b"), 9);
        Assert.Equal(60, loads.SecondsOf("w2", "wan-14b"), 9);
        Assert.Equal(13 + (0.3 * (60 - 13)), loads.SecondsOf("w3", "wan-14b"), 9);
        Assert.Equal(30, loads.SecondsOf("w1", "wan-1.3b"));
    }

    [Fact]
    public void Loads_that_are_not_seconds_teach_nothing_and_every_measured_pair_is_listed()
    {
        var loads = new ModelLoads(TimeSpan.FromSeconds(30));

        loads.Record("w1", "tiny", double.NaN);
        loads.Record("w1", "tiny", -1);
        loads.Record("w2", "tiny", 4);
        loads.Record("w1", "wan-14b", 50);

        Assert.Equal(4, loads.SecondsOf("w1", "tiny"));
        Assert.Equal(
            [new("w1", "wan-14b", 50, 1), new("w2", "tiny", 4, 1)],
            loads.Measured());
    }
}
