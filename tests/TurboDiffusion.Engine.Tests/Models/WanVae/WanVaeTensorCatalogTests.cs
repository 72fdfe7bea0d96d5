using TurboDiffusion.Engine.Models.WanVae;
using TurboDiffusion.Engine.Runtime;
using TurboDiffusion.Engine.Tests.Fixtures;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Models.WanVae;

public sealed class WanVaeTensorCatalogTests
{
    public WanVaeTensorCatalogTests() => TorchRuntime.EnsureLoaded();

    [Fact]
    public void The_catalog_of_the_fixture_config_is_the_fixture_checkpoint_key_for_key_in_order()
    {
        using var weights = VaeTinyFixture.Weights();

        var catalog = WanVaeTensorCatalog.Tensors(VaeTinyFixture.Config);

        Assert.Equal(weights.Entries.Values.OrderBy(e => e.Begin).Select(e => (e.Name, string.Join(",", e.Shape))), catalog.Select(t => (t.Name, string.Join(",", t.Shape))));
    }

    [Fact]
    public void The_wan21_catalog_has_the_reference_tensor_and_weight_counts()
    {
        var catalog = WanVaeTensorCatalog.Tensors(WanVaeConfig.Wan21);

        Assert.Equal(194, catalog.Count);
        Assert.Equal(126_892_531, WanVaeTensorCatalog.ParameterCount(WanVaeConfig.Wan21));
        Assert.Contains(catalog, t => t.Name == "decoder.upsamples.3.time_conv.weight" && t.Shape.SequenceEqual([768L, 384, 3, 1, 1]));
    }

    [Fact]
    public void Random_weights_load_strictly_and_decode_to_finite_frames_the_same_for_the_same_seed()
    {
        using var scope = NewDisposeScope();
        using var a = new RandomWanVaeWeights(WanVaeConfig.Tiny, seed: 9);
        using var b = new RandomWanVaeWeights(WanVaeConfig.Tiny, seed: 9);
        using var vaeA = Engine.Models.WanVae.WanVae.Load(a, WanVaeConfig.Tiny);
        using var vaeB = Engine.Models.WanVae.WanVae.Load(b, WanVaeConfig.Tiny);
        var z = randn([1, 16, 2, 2, 3], generator: new Generator(1));

        var videoA = vaeA.Decode(z, cancellationToken: TestContext.Current.CancellationToken);
        var videoB = vaeB.Decode(z, cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(videoA.isfinite().all().item<bool>());
        Assert.InRange(videoA.std().item<float>(), 0.01f, 1f);
        TensorAssert.Close(videoB, videoA, Tolerance.Parse("exact"), "same seed");
    }
}
