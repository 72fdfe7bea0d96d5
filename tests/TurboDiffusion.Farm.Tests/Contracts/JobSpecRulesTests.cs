using TurboDiffusion.Engine;
using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Farm.Tests.Support;

namespace TurboDiffusion.Farm.Tests.Contracts;

/// <summary>The farm's limits are a policy on top of what any render may ask for, never a second copy of it.</summary>
public sealed class JobSpecRulesTests
{
    [Theory]
    [InlineData(1, true)]
    [InlineData(5, true)]
    [InlineData(81, true)]
    [InlineData(0, false)]
    [InlineData(-3, false)]
    [InlineData(2, false)]
    [InlineData(80, false)]
    public void A_frame_count_is_4k_plus_1(int frames, bool valid) => Assert.Equal(valid, FrameCountRule.IsValid(frames));

    [Fact]
    public void The_latent_frames_are_the_first_frame_and_one_per_stride()
    {
        Assert.Equal(1, FrameCountRule.LatentFrames(1));
        Assert.Equal(21, FrameCountRule.LatentFrames(81));
    }

    [Fact]
    public void The_farms_frame_range_starts_and_ends_on_frame_counts_any_render_may_have()
    {
        Assert.True(FrameCountRule.IsValid(JobSpecValidator.MinFrames));
        Assert.True(FrameCountRule.IsValid(JobSpecValidator.MaxFrames));
        Assert.True(JobSpecValidator.MinFrames > 1);
    }

    [Fact]
    public void The_farm_admits_exactly_the_frame_counts_of_its_range_that_any_render_may_have()
    {
        var tried = Enumerable.Range(-1, JobSpecValidator.MaxFrames + 10).ToList();

        var admitted = tried.Where(JobSpecValidator.AdmitsFrames).ToList();

        Assert.All(admitted, f => Assert.True(FrameCountRule.IsValid(f)));
        Assert.Equal(JobSpecValidator.MinFrames, admitted[0]);
        Assert.Equal(JobSpecValidator.MaxFrames, admitted[^1]);
        Assert.Equal(((JobSpecValidator.MaxFrames - JobSpecValidator.MinFrames) / FrameCountRule.Stride) + 1, admitted.Count);
        Assert.All(tried, f => Assert.Equal(!JobSpecValidator.AdmitsFrames(f), HasProblem(Specs.Job() with { Frames = f }, "frames")));
    }

    [Fact]
    public void The_farm_takes_every_step_count_the_sampler_has_levels_for_and_no_other()
    {
        Assert.All(Enumerable.Range(-1, 8), s => Assert.Equal(!SamplerStepsRule.IsValid(s), HasProblem(Specs.Job(steps: s), "steps")));
    }

    [Fact]
    public void A_prompt_needs_text_and_at_most_the_farms_length()
    {
        Assert.True(HasProblem(Specs.Job(prompt: " \t"), "prompt"));
        Assert.False(HasProblem(Specs.Job(prompt: new string('x', JobSpecValidator.MaxPromptLength)), "prompt"));
        Assert.True(HasProblem(Specs.Job(prompt: new string('x', JobSpecValidator.MaxPromptLength + 1)), "prompt"));
    }

    [Fact]
    public void An_unmapped_value_names_its_type_the_type_it_had_to_become_and_the_value()
    {
        var error = EnumMapping.Unmapped<JobStage, JobStatus>((JobStage)9);

        Assert.Equal("value", error.ParamName);
        Assert.Contains("TurboDiffusion.Farm.Contracts.JobStage value '9' has no TurboDiffusion.Farm.Contracts.JobStatus", error.Message, StringComparison.Ordinal);
    }

    private static bool HasProblem(JobSpec spec, string field) =>
        JobSpecValidator.Problems(spec).Any(p => p.StartsWith(field + ":", StringComparison.Ordinal));
}
