using TurboDiffusion.Engine.Models.Wan;
using TurboDiffusion.Engine.Pipelines;
using TurboDiffusion.Engine.Planning;
using TurboDiffusion.Engine.Runtime;

namespace TurboDiffusion.Engine.Tests.Planning;

/// <summary>The plan before the first step: what fits where, and a refusal that says what it would need.</summary>
public sealed class MemoryPlannerTests
{
    private const long GiB = 1L << 30;

    private static readonly VideoGeometry P480 = VideoGeometry.For(VideoResolution.P480, AspectRatio.Landscape16x9, 81);
    private static readonly VideoGeometry P720 = VideoGeometry.For(VideoResolution.P720, AspectRatio.Landscape16x9, 81);

    public MemoryPlannerTests() => TorchRuntime.EnsureLoaded();

    [Fact]
    public void The_1point3B_model_keeps_everything_on_an_80_GB_card_and_peaks_near_what_was_measured()
    {
        var plan = MemoryPlanner.Plan(Footprint("random-1.3B"), P480, 80 * GiB);

        Assert.True(plan.Fits, string.Join("\n", plan.Describe()));
        Assert.Equal(TextEncoderPlacement.Cuda, plan.TextEncoder);
        Assert.False(plan.TiledDecode);
        // The DiT forward alone peaked at 3.7 GiB on an H100 (docs/benchmarks.md); the plan adds the text encoder
        // (11 GiB) and the VAE, and estimates the forward from above.
        var denoise = plan.Stages.Single(s => s.Stage == "denoising").Bytes;
        Assert.InRange(denoise, 14 * GiB, 17 * GiB);
    }

    [Fact]
    public void The_14B_model_at_720p_fits_an_80_GB_card_with_its_text_encoder_resident()
    {
        var plan = MemoryPlanner.Plan(Footprint("random-14B"), P720, 80 * GiB);

        Assert.True(plan.Fits, string.Join("\n", plan.Describe()));
        Assert.Equal(TextEncoderPlacement.Cuda, plan.TextEncoder);
        // Measured: 32.9 GiB peak for the forward with its weights; the plan must not promise less.
        var denoise = plan.Stages.Single(s => s.Stage == "denoising").Bytes;
        Assert.True(denoise >= (long)(32.9 * GiB) + (11 * GiB), MemoryPlan.GiB(denoise));
    }

    [Fact]
    public void The_1point3B_model_at_480p_fits_a_24_GB_consumer_card()
    {
        var plan = MemoryPlanner.Plan(Footprint("random-1.3B"), P480, 24 * GiB);

        Assert.True(plan.Fits, string.Join("\n", plan.Describe()));
    }

    [Fact]
    public void On_a_16_GB_card_the_1point3B_model_moves_its_text_encoder_off_the_gpu()
    {
        var plan = MemoryPlanner.Plan(Footprint("random-1.3B"), P480, 16 * GiB);

        Assert.True(plan.Fits, string.Join("\n", plan.Describe()));
        Assert.NotEqual(TextEncoderPlacement.Cuda, plan.TextEncoder);
        Assert.Contains(plan.Describe(), line => line.StartsWith("text encoder: in host memory", StringComparison.Ordinal) || line.StartsWith("text encoder: on the CPU", StringComparison.Ordinal));
    }

    [Fact]
    public void A_setting_that_pins_the_text_encoder_to_the_gpu_is_honoured_and_refused_when_it_cannot_fit()
    {
        var plan = MemoryPlanner.Plan(Footprint("random-1.3B"), P480, 12 * GiB, TextEncoderDevice.Cuda);

        Assert.Equal(TextEncoderPlacement.Cuda, plan.TextEncoder);
        Assert.False(plan.Fits);
        Assert.Contains("needs", plan.Refusal, StringComparison.Ordinal);
        Assert.Contains("resident on the GPU", plan.Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void The_14B_model_is_refused_on_a_24_GB_card_naming_what_it_needs_and_what_the_card_has()
    {
        var plan = MemoryPlanner.Plan(Footprint("random-14B"), P480, 24 * GiB);

        Assert.False(plan.Fits);
        Assert.Contains("random-14B at 832x480x81 needs", plan.Refusal, StringComparison.Ordinal);
        Assert.Contains("of 24.0 GiB", plan.Refusal, StringComparison.Ordinal);
        Assert.Equal(TextEncoderPlacement.Cpu, plan.TextEncoder);
    }

    [Fact]
    public void A_larger_video_never_needs_less_memory()
    {
        var footprint = Footprint("random-14B");

        var small = MemoryPlanner.Plan(footprint, P480, 80 * GiB, TextEncoderDevice.Cuda);
        var large = MemoryPlanner.Plan(footprint, P720, 80 * GiB, TextEncoderDevice.Cuda);

        Assert.True(large.PeakBytes > small.PeakBytes);
        Assert.All(small.Stages.Zip(large.Stages), pair => Assert.True(pair.Second.Bytes >= pair.First.Bytes, pair.First.Stage));
    }

    [Fact]
    public void The_two_experts_of_A14B_both_count()
    {
        var single = MemoryPlanner.Plan(Footprint("random-14B"), P480, 160 * GiB);
        var experts = MemoryPlanner.Plan(Footprint("random-A14B", imageToVideo: true), P480, 160 * GiB);

        Assert.Equal(2, experts.Footprint.Experts);
        Assert.Equal(ExpertPlacement.Resident, experts.Residency.Experts);
        Assert.True(experts.PeakBytes > single.PeakBytes + (25 * GiB), $"{MemoryPlan.GiB(experts.PeakBytes)} vs {MemoryPlan.GiB(single.PeakBytes)}");
    }

    [Fact]
    public void A14B_keeps_both_experts_on_an_80_GB_card()
    {
        var plan = MemoryPlanner.Plan(Footprint("random-A14B", imageToVideo: true), P720, 80 * GiB);

        Assert.True(plan.Fits, plan.Refusal);
        Assert.Equal(ExpertPlacement.Resident, plan.Residency.Experts);
        Assert.Equal(0, plan.PinnedHostBytes);
        Assert.Contains("experts: all 2 resident on the GPU", plan.Describe());
    }

    [Fact]
    public void A14B_swaps_its_experts_through_one_device_copy_on_a_48_GB_card()
    {
        var footprint = Footprint("random-A14B", imageToVideo: true);

        var plan = MemoryPlanner.Plan(footprint, P720, 48 * GiB);
        var resident = MemoryPlanner.Plan(footprint, P720, 48 * GiB, [plan.Residency with { Experts = ExpertPlacement.Resident }]);

        Assert.True(plan.Fits, plan.Refusal);
        Assert.Equal(ExpertPlacement.Swapped, plan.Residency.Experts);
        Assert.False(resident.Fits);
        Assert.True(resident.PeakBytes - plan.PeakBytes > 25 * GiB, $"{MemoryPlan.GiB(resident.PeakBytes)} vs {MemoryPlan.GiB(plan.PeakBytes)}");
        Assert.True(plan.PinnedHostBytes > 50 * GiB, MemoryPlan.GiB(plan.PinnedHostBytes));
        Assert.Contains(plan.Describe(), line => line.StartsWith("experts: one device copy", StringComparison.Ordinal));
    }

    [Fact]
    public void A_single_DiT_is_never_planned_as_swapped()
    {
        var plan = MemoryPlanner.Plan(Footprint("random-14B"), P720, 80 * GiB, [new Residency(TextEncoderPlacement.Cuda, ExpertPlacement.Swapped)]);

        Assert.Equal(ExpertPlacement.Resident, plan.Residency.Experts);
        Assert.DoesNotContain(plan.Describe(), line => line.StartsWith("experts:", StringComparison.Ordinal));
    }

    [Fact]
    public void A_refused_plan_is_a_request_fault_that_says_what_it_needs()
    {
        var plan = MemoryPlanner.Plan(Footprint("random-14B"), P720, 24 * GiB);

        var refused = new PlanRefusedException(plan);

        Assert.IsAssignableFrom<JobInputException>(refused);
        Assert.Equal(plan.Refusal, refused.Message);
        Assert.Same(plan, refused.Plan);
    }

    [Fact]
    public void Int8_linears_count_a_byte_a_weight_plus_a_fp32_scale_per_tile_and_the_plan_says_so()
    {
        var bf16 = Footprint("random-14B");
        var int8 = ModelFootprint.For("random-14B", linears: DitLinears.Int8);
        var layers = WanTensorCatalog.Int8Layers(bf16.Dit).Select(l => l + ".weight").ToHashSet();
        var linears = WanTensorCatalog.Tensors(bf16.Dit).Where(t => layers.Contains(t.Name)).ToList();
        var saved = linears.Sum(t => (t.Shape[0] * t.Shape[1]) - (((t.Shape[0] + 127) / 128) * ((t.Shape[1] + 127) / 128) * 4));

        var bf16Plan = MemoryPlanner.Plan(bf16, P720, 80 * GiB);
        var int8Plan = MemoryPlanner.Plan(int8, P720, 80 * GiB);

        Assert.Equal(DitLinears.Bf16, bf16.Linears);
        Assert.Equal(DitLinears.Int8, int8.Linears);
        Assert.Equal(layers.Count, linears.Count);
        Assert.Equal(bf16.DitWeightBytes - saved, int8.DitWeightBytes);
        Assert.Equal(saved, bf16Plan.Stages.Single(s => s.Stage == "denoising").Bytes - int8Plan.Stages.Single(s => s.Stage == "denoising").Bytes);
        Assert.Contains(int8Plan.Describe(), line => line.Contains("block linears int8", StringComparison.Ordinal));
        Assert.Contains(bf16Plan.Describe(), line => line.Contains("block linears bf16", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("random-1.3B", "480p")]
    [InlineData("random-14B", "720p")]
    public void A_denoise_fits_beside_a_decode_only_where_both_fit_the_device_together(string model, string resolution)
    {
        var geometry = resolution == "480p" ? P480 : P720;
        var roomy = MemoryPlanner.Plan(Footprint(model), geometry, 200 * GiB);
        var denoise = roomy.Stages.Where(s => s.Stage != MemoryPlanner.DecodingStage).Max(s => s.Bytes);
        var together = denoise + roomy.DecodeActivationBytes + MemoryPlanner.ReservedBytes;
        // Just enough for the two side by side, and just too little.
        var enough = MemoryPlanner.Plan(Footprint(model), geometry, together, [roomy.Residency]);
        var tight = MemoryPlanner.Plan(Footprint(model), geometry, together - 1, [roomy.Residency]);

        Assert.True(roomy.DecodeActivationBytes > 0);
        Assert.True(enough.FitsBeside(enough), string.Join("\n", enough.Describe()));
        Assert.True(tight.Fits, "a render that fits alone must still run, in turn");
        Assert.False(tight.FitsBeside(tight));
        Assert.Equal(tight.TiledDecode, enough.TiledDecode);
    }

    private static ModelFootprint Footprint(string model, bool imageToVideo = false) => ModelFootprint.For(model, imageToVideo);
}
