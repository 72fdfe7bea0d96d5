using TurboDiffusion.Gateway.Mapping;
using FarmSide = TurboDiffusion.Farm.Contracts;
using WireSide = TurboDiffusion.Client.Models;

namespace TurboDiffusion.Gateway.Tests.Mapping;

/// <summary>Over every member, so a member added on either side without a mapping fails here.</summary>
public sealed class VocabularyMapperTests
{
    [Fact]
    public void Resolutions_round_trip_between_the_wire_and_the_farm_member_by_member()
    {
        AssertRoundTrip<WireSide.JobResolution, FarmSide.JobResolution>(VocabularyMapper.ToFarm, VocabularyMapper.ToWire);
        AssertRoundTrip<FarmSide.JobResolution, WireSide.JobResolution>(VocabularyMapper.ToWire, VocabularyMapper.ToFarm);
    }

    [Fact]
    public void Aspect_ratios_round_trip_between_the_wire_and_the_farm_member_by_member()
    {
        AssertRoundTrip<WireSide.JobAspectRatio, FarmSide.JobAspect>(VocabularyMapper.ToFarm, VocabularyMapper.ToWire);
        AssertRoundTrip<FarmSide.JobAspect, WireSide.JobAspectRatio>(VocabularyMapper.ToWire, VocabularyMapper.ToFarm);
    }

    [Fact]
    public void Statuses_round_trip_between_the_wire_and_the_farm_member_by_member()
    {
        AssertRoundTrip<WireSide.JobStatus, FarmSide.JobStatus>(VocabularyMapper.ToFarm, VocabularyMapper.ToWire);
        AssertRoundTrip<FarmSide.JobStatus, WireSide.JobStatus>(VocabularyMapper.ToWire, VocabularyMapper.ToFarm);
    }

    [Fact]
    public void Priorities_round_trip_between_the_wire_and_the_farm_member_by_member()
    {
        AssertRoundTrip<WireSide.JobPriority, FarmSide.JobPriority>(VocabularyMapper.ToFarm, VocabularyMapper.ToWire);
        AssertRoundTrip<FarmSide.JobPriority, WireSide.JobPriority>(VocabularyMapper.ToWire, VocabularyMapper.ToFarm);
    }

    [Fact]
    public void Every_farm_stage_has_its_own_wire_stage_and_every_wire_stage_is_reached()
    {
        var mapped = Enum.GetValues<FarmSide.JobStage>().Select(s => (Farm: s, Wire: VocabularyMapper.ToWire(s))).ToList();

        Assert.All(mapped, m => Assert.Equal(m.Farm.ToString(), m.Wire.ToString()));
        Assert.Equal(Enum.GetValues<WireSide.JobStage>().Order(), mapped.Select(m => m.Wire).Order());
    }

    [Fact]
    public void A_number_that_is_no_member_throws_naming_its_type_the_target_type_and_the_value()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => VocabularyMapper.ToWire((FarmSide.JobStage)42));

        Assert.Contains("TurboDiffusion.Farm.Contracts.JobStage value '42' has no TurboDiffusion.Client.Models.JobStage", error.Message, StringComparison.Ordinal);
    }

    private static void AssertRoundTrip<TFrom, TTo>(Func<TFrom, TTo> there, Func<TTo, TFrom> back)
        where TFrom : struct, Enum
        where TTo : struct, Enum
    {
        var targets = new HashSet<TTo>();
        foreach (var value in Enum.GetValues<TFrom>())
        {
            var mapped = there(value);
            Assert.Equal(value.ToString(), mapped.ToString());
            Assert.True(targets.Add(mapped), $"{typeof(TFrom).Name}.{value} maps onto {mapped}, which another member reached first");
            Assert.Equal(value, back(mapped));
        }

        Assert.Equal(Enum.GetValues<TTo>().Length, targets.Count);
    }
}
