using System.Text.Json;
using TurboDiffusion.Engine.Checkpoints;
using TurboDiffusion.Engine.Tests.Fixtures;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Checkpoints;

public sealed class CheckpointFileTests
{
    private readonly GoldenFixture fixture = GoldenFixture.Open("umt5_tiny");

    [Fact]
    public void Files_are_opened_by_their_content_not_their_extension()
    {
        using var scratch = new ScratchDirectory();
        File.Copy(fixture.PathOf("umt5.pth"), scratch.File("umt5.safetensors"));
        File.Copy(fixture.PathOf("umt5.safetensors"), scratch.File("umt5.pth"));

        using var pth = CheckpointFile.Open(scratch.File("umt5.safetensors"));
        using var safetensors = CheckpointFile.Open(scratch.File("umt5.pth"));

        Assert.IsType<PthFile>(pth);
        Assert.IsType<SafetensorsFile>(safetensors);
        Assert.Equal(ScalarType.BFloat16, pth.Info("norm.weight").Type);
        Assert.Equal(ScalarType.Float32, safetensors.Info("norm.weight").Type);
    }

    [Fact]
    public void A_shard_index_pointing_at_the_wrong_shard_names_the_tensor_and_the_shard()
    {
        using var scratch = new ScratchDirectory();
        using var only = ones(2);
        SafetensorsWriter.Write(scratch.File("a.safetensors"), [new("a", only)]);
        SafetensorsWriter.Write(scratch.File("b.safetensors"), [new("b", only)]);
        var index = scratch.File("model.safetensors.index.json");
        File.WriteAllText(index, JsonSerializer.Serialize(new { weight_map = new Dictionary<string, string> { ["a"] = "a.safetensors", ["b"] = "a.safetensors" } }));

        var error = Assert.Throws<CheckpointException>(() => CheckpointFile.Open(index));

        Assert.Equal("b", error.Key);
        Assert.Contains(index, error.Message, StringComparison.Ordinal);
        Assert.Contains("the index places it in a.safetensors, which does not hold it", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_shard_index_without_a_weight_map_is_rejected()
    {
        using var scratch = new ScratchDirectory();
        var index = scratch.File("model.safetensors.index.json");
        File.WriteAllText(index, """{"metadata": {}}""");

        var error = Assert.Throws<CheckpointException>(() => CheckpointFile.Open(index));

        Assert.Contains("expected a safetensors index with a \"weight_map\" object", error.Message, StringComparison.Ordinal);
    }
}
