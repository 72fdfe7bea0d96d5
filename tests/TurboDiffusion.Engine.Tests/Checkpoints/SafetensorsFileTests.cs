using TurboDiffusion.Engine.Checkpoints;
using TurboDiffusion.Engine.Tests.Fixtures;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Checkpoints;

public sealed class SafetensorsFileTests
{
    [Fact]
    public void Reads_fixture_tensors_with_their_shapes_and_dtypes()
    {
        var fixture = GoldenFixture.Open("dit_t2v_tiny");
        using var file = fixture.Tensors("inputs.safetensors");

        using var x = file.Load("x");
        using var timestep = file.Load("timestep");

        Assert.Equal(new long[] { 1, 16, 4, 16, 16 }, x.shape);
        Assert.Equal(988.0, timestep.to(ScalarType.Float64).item<double>());
        Assert.True(x.abs().sum().item<float>() > 0);
    }
}
