using TurboDiffusion.Engine.Checkpoints;
using TurboDiffusion.Engine.Models.WanVae;
using TurboDiffusion.Engine.Tests.Fixtures;

namespace TurboDiffusion.Engine.Tests.Models.WanVae;

public sealed class WanVaeTensorCatalogTests
{
    [Fact]
    public void Tiny_catalog_has_exactly_the_names_and_shapes_of_the_fixture_checkpoint()
    {
        using var checkpoint = GoldenFixture.Open("vae_tiny").Tensors("vae.safetensors");

        var catalog = WanVaeTensorCatalog.Tensors(WanVaeConfig.Tiny);

        Assert.Equal(checkpoint.Names.Order(StringComparer.Ordinal), catalog.Keys.Order(StringComparer.Ordinal));
        Assert.All(catalog, entry => Assert.Equal(checkpoint.Info(entry.Key).Shape, entry.Value));
    }

    [Fact]
    public void The_real_vae_catalog_counts_the_released_parameters()
    {
        var catalog = WanVaeTensorCatalog.Tensors(WanVaeConfig.Wan21);

        Assert.Equal(194, catalog.Count);
        Assert.Equal(126_892_531, catalog.Values.Sum(s => s.Aggregate(1L, (a, d) => a * d)));
    }

    [Fact]
    public void Random_weights_load_into_the_tiny_vae_and_decode_to_frames_in_range()
    {
        using var weights = new RandomWeights("random tiny VAE", WanVaeTensorCatalog.Tensors(WanVaeConfig.Tiny), seed: 7);
        using var vae = Engine.Models.WanVae.WanVae.Load(weights, WanVaeConfig.Tiny);
        using var latents = TorchSharp.torch.randn([1, 16, 2, 4, 4]);

        using var video = vae.Decode(latents, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(new long[] { 1, 3, 5, 32, 32 }, video.shape);
        Assert.True(video.abs().max().item<float>() <= 1f);
    }
}
