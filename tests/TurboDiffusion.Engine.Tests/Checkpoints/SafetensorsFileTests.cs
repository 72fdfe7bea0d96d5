using TurboDiffusion.Engine.Checkpoints;
using TurboDiffusion.Engine.Tests.Fixtures;
using TurboDiffusion.Engine.Tests.Models.Wan;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Checkpoints;

public sealed class SafetensorsFileTests
{
    [Fact]
    public void Reads_fixture_tensors_with_the_shapes_and_values_the_manifest_records()
    {
        var fixture = GoldenFixture.Open(WanFixture.TextToVideoSet);
        using var file = fixture.Tensors("inputs.safetensors");

        using var x = file.Load("x");
        using var timestep = file.Load("timestep");

        Assert.Equal(fixture.Manifest.Shape("inputs.safetensors", "x"), x.shape);
        Assert.Equal(fixture.Manifest.Statistic("inputs.safetensors", "x", "absmax"), x.abs().max().to(ScalarType.Float64).item<double>());
        Assert.Equal(fixture.Manifest.Statistic("inputs.safetensors", "timestep", "max"), timestep.to(ScalarType.Float64).max().item<double>());
        Assert.Equal(fixture.Manifest.Statistic("inputs.safetensors", "timestep", "min"), timestep.to(ScalarType.Float64).min().item<double>());
    }
}
