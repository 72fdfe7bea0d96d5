using TurboDiffusion.Engine;
using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Silo.Worker;

namespace TurboDiffusion.Silo.Tests.Worker;

/// <summary>Over every member, so a member added on either side without a mapping fails here.</summary>
public sealed class VideoRequestMapperTests
{
    [Fact]
    public void Every_resolution_of_the_farm_is_its_own_resolution_of_the_engine_and_every_one_is_reached()
    {
        AssertOneToOne<JobResolution, VideoResolution>(EngineEnums.ToEngine);
    }

    [Fact]
    public void Every_aspect_of_the_farm_is_its_own_aspect_ratio_of_the_engine_and_every_one_is_reached()
    {
        AssertOneToOne<JobAspect, AspectRatio>(EngineEnums.ToEngine);
    }

    [Fact]
    public void Every_engine_stage_is_its_own_job_stage_and_only_the_farms_upload_is_left()
    {
        var mapped = Enum.GetValues<GenerationStage>().Select(s => (Engine: s, Job: VideoRequestMapper.Stage(s))).ToList();

        Assert.All(mapped, m => Assert.Equal(m.Engine.ToString(), m.Job.ToString()));
        Assert.Equal(mapped.Count, mapped.Select(m => m.Job).Distinct().Count());
        Assert.Equal([JobStage.Uploading], Enum.GetValues<JobStage>().Except(mapped.Select(m => m.Job)));
    }

    [Fact]
    public void A_number_that_is_no_member_throws_naming_both_types_and_the_value()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => EngineEnums.ToEngine((JobResolution)17));

        Assert.Contains("TurboDiffusion.Farm.Contracts.JobResolution value '17' has no TurboDiffusion.Engine.VideoResolution", error.Message, StringComparison.Ordinal);
    }

    private static void AssertOneToOne<TFarm, TEngine>(Func<TFarm, TEngine> map)
        where TFarm : struct, Enum
        where TEngine : struct, Enum
    {
        var mapped = Enum.GetValues<TFarm>().Select(v => (Farm: v, Engine: map(v))).ToList();

        Assert.All(mapped, m => Assert.Equal(m.Farm.ToString(), m.Engine.ToString()));
        Assert.Equal(Enum.GetValues<TEngine>().Order(), mapped.Select(m => m.Engine).Order());
    }
}
