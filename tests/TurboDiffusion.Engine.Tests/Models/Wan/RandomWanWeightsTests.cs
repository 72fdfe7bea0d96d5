using TurboDiffusion.Engine.Models.Wan;
using TurboDiffusion.Engine.Runtime;
using TurboDiffusion.Engine.Tests.Fixtures;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Models.Wan;

public sealed class RandomWanWeightsTests
{
    public RandomWanWeightsTests() => TorchRuntime.EnsureLoaded();

    [Fact]
    public void The_layout_of_the_fixture_config_has_exactly_the_names_and_shapes_of_its_official_checkpoint()
    {
        var fixture = GoldenFixture.Open(WanFixture.TextToVideoSet);
        using var native = fixture.Tensors("wan_native.safetensors");
        using var random = new RandomWanWeights(fixture.Manifest.WanConfig(), seed: 1);

        var expected = native.Names.Order(StringComparer.Ordinal).Select(n => $"{n} [{string.Join(", ", native.Info(n).Shape)}]");
        var actual = random.Names.Order(StringComparer.Ordinal).Select(n => $"{n} [{string.Join(", ", random.Info(n).Shape)}]");

        Assert.Equal(expected, actual);
    }

    [Theory]
    [InlineData("Wan2.1-T2V-1.3B", 825, 1_418_996_800L)]
    [InlineData("Wan2.1-T2V-14B", 1095, 14_288_491_584L)]
    [InlineData("Wan2.2-I2V-A14B-high-noise", 1095, 14_288_901_184L)]
    [InlineData("Wan2.2-I2V-A14B-low-noise", 1095, 14_288_901_184L)]
    public void Preset_layouts_match_the_released_checkpoints(string preset, int tensors, long parameters)
    {
        var config = WanConfig.Presets.Single(c => c.Name == preset);

        Assert.Equal(tensors, WanTensorCatalog.Tensors(config).Count);
        Assert.Equal(parameters, WanTensorCatalog.ParameterCount(config));
        Assert.Equal(128, config.HeadDim);
    }

    [Fact]
    public void The_same_seed_gives_the_same_tensors_and_another_seed_others()
    {
        using var a = new RandomWanWeights(WanConfig.Tiny, seed: 42);
        using var b = new RandomWanWeights(WanConfig.Tiny, seed: 42);
        using var c = new RandomWanWeights(WanConfig.Tiny, seed: 43);

        using var first = a.Load("blocks.1.ffn.0.weight");
        using var again = b.Load("blocks.1.ffn.0.weight");
        using var otherSeed = c.Load("blocks.1.ffn.0.weight");
        using var otherKey = a.Load("blocks.0.ffn.0.weight");

        Assert.True(first.equal(again).all().item<bool>());
        Assert.False(first.allclose(otherSeed));
        Assert.False(first.allclose(otherKey));
    }

    [Fact]
    public void Weights_are_drawn_at_the_documented_scales_and_rounded_to_the_stored_dtype()
    {
        using var weights = new RandomWanWeights(WanConfig.Tiny, seed: 3, ScalarType.BFloat16);

        using var ffn = weights.Load("blocks.0.ffn.2.weight", ScalarType.Float64);
        using var norm = weights.Load("blocks.0.self_attn.norm_q.weight", ScalarType.Float64);
        using var modulation = weights.Load("blocks.0.modulation", ScalarType.Float64);
        using var roundTrip = ffn.to(ScalarType.BFloat16).to(ScalarType.Float64);

        Assert.Equal(ScalarType.BFloat16, weights.Info("blocks.0.ffn.2.weight").Type);
        Assert.InRange(ffn.std().item<double>(), 0.95 / Math.Sqrt(512), 1.05 / Math.Sqrt(512));
        Assert.InRange(norm.mean().item<double>(), 0.98, 1.02);
        Assert.InRange(modulation.std().item<double>(), 0.85 / 16, 1.15 / 16);
        Assert.True(roundTrip.equal(ffn).all().item<bool>(), "values are not bf16-representable");
    }

    [Fact]
    public void A_model_built_from_random_weights_gives_a_finite_velocity_of_order_one()
    {
        using var weights = new RandomWanWeights(WanConfig.Tiny, seed: 11);
        using var model = WanModel.Load(weights, WanConfig.Tiny, WanPrecision.Fp32);
        using var generator = new Generator(5, CPU);
        using var x = randn(new long[] { 1, 16, 2, 8, 8 }, generator: generator);
        using var prompt = randn(new long[] { 1, 12, 64 }, generator: generator);
        using var t = full(new long[] { 1 }, 988f);

        using var context = model.PrepareContext(prompt);
        using var velocity = model.Forward(x, t, context);

        Assert.Equal(x.shape, velocity.shape);
        Assert.True(velocity.isfinite().all().item<bool>());
        Assert.InRange(velocity.std().item<float>(), 0.1f, 10f);
    }
}
