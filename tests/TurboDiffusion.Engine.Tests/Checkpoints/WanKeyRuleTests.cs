using System.Text.Json;
using TurboDiffusion.Engine.Checkpoints;
using TurboDiffusion.Engine.Runtime;
using TurboDiffusion.Engine.Tests.Fixtures;
using TurboDiffusion.Engine.Tests.Models.Wan;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Checkpoints;

public sealed class WanKeyRuleTests
{
    public WanKeyRuleTests() => TorchRuntime.EnsureLoaded();

    [Fact]
    public void Wrapper_prefixes_are_stripped_and_the_linear_patch_embedding_is_exposed_as_conv3d()
    {
        using var scratch = new ScratchDirectory();
        var path = scratch.File("wrapped.safetensors");
        using var patch = arange(2 * 12, dtype: ScalarType.Float32).reshape(2, 12);
        using var q = ones(2, 2);
        using var norm = zeros(2);
        SafetensorsWriter.Write(path, [
            new("net.patch_embedding.weight", patch),
            new("net.blocks.0._checkpoint_wrapped_module.self_attn.q.weight", q),
            new("_checkpoint_wrapped_module.head.net.norm.weight", norm),
        ]);

        using var checkpoint = WanCheckpoint.Open(path);
        using var conv = checkpoint.Load("patch_embedding.weight");

        Assert.Equal(WanCheckpointLayout.Turbo, checkpoint.Layout);
        Assert.Equal(["patch_embedding.weight", "blocks.0.self_attn.q.weight", "head.net.norm.weight"], checkpoint.Names);
        Assert.Equal(new long[] { 2, 3, 1, 2, 2 }, checkpoint.Info("patch_embedding.weight").Shape);
        Assert.Equal(new long[] { 2, 3, 1, 2, 2 }, conv.shape);
        Assert.Equal(13f, conv[1, 0, 0, 0, 1].item<float>());
        Assert.Equal(23f, conv[1, 2, 0, 1, 1].item<float>());
    }

    [Fact]
    public void Two_stored_keys_naming_one_tensor_are_ambiguous()
    {
        using var scratch = new ScratchDirectory();
        var path = scratch.File("ambiguous.safetensors");
        using var weight = ones([4, 16, 1, 2, 2]);
        SafetensorsWriter.Write(path, [new("patch_embedding.weight", weight), new("net.patch_embedding.weight", weight)]);

        var error = Assert.Throws<CheckpointException>(() => WanCheckpoint.Open(path));

        Assert.Contains("'patch_embedding.weight' and 'net.patch_embedding.weight' both name 'patch_embedding.weight'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Scales_that_do_not_tile_the_int8_weight_are_rejected_naming_expected_and_found()
    {
        using var scratch = new ScratchDirectory();
        var path = scratch.File("bad-quant.safetensors");
        using var patch = ones(4, 64);
        using var int8 = ones([300, 256], ScalarType.Int8);
        using var scale = ones(2, 2);
        SafetensorsWriter.Write(path, [new("patch_embedding.weight", patch), new("blocks.0.ffn.0.int8_weight", int8), new("blocks.0.ffn.0.scale", scale)]);

        var error = Assert.Throws<CheckpointException>(() => WanCheckpoint.Open(path));

        Assert.Equal("blocks.0.ffn.0.scale", error.Key);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("expected Float32 [3, 2]", error.Message, StringComparison.Ordinal);
        Assert.Contains("found Float32 [2, 2]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Partial_edge_tiles_take_the_scale_of_the_tile_they_fall_in()
    {
        using var int8 = tensor(Enumerable.Range(0, 130 * 3).Select(i => (sbyte)((i % 7) - 3)).ToArray(), [130, 3]);
        using var scale = tensor([0.5f, 0.25f], [2, 1]);
        var weight = new QuantizedLinearWeight("layer", int8, scale, null);

        using var dequantized = weight.Dequantize(ScalarType.Float64);

        Assert.Equal(new long[] { 130, 3 }, dequantized.shape);
        Assert.Equal(int8[127, 2].item<sbyte>() * 0.5, dequantized[127, 2].item<double>());
        Assert.Equal(int8[128, 0].item<sbyte>() * 0.25, dequantized[128, 0].item<double>());
        Assert.Equal(int8[129, 1].item<sbyte>() * 0.25, dequantized[129, 1].item<double>());
    }

    [Fact]
    public void Sharded_official_checkpoint_reads_like_the_single_file()
    {
        var fixture = GoldenFixture.Open(WanFixture.TextToVideoSet);
        using var scratch = new ScratchDirectory();
        using var native = fixture.Tensors("wan_native.safetensors");
        using var scope = NewDisposeScope();
        var names = native.Names.ToList();
        var shards = names.Chunk((names.Count / 2) + 1).Select((part, i) => (File: $"diffusion_pytorch_model-0000{i + 1}-of-00002.safetensors", Names: part)).ToList();
        foreach (var shard in shards)
        {
            SafetensorsWriter.Write(scratch.File(shard.File), shard.Names.Select(n => new KeyValuePair<string, Tensor>(n, native.Load(n))));
        }

        File.WriteAllText(scratch.File("diffusion_pytorch_model.safetensors.index.json"), JsonSerializer.Serialize(new
        {
            metadata = new { total_size = 0 },
            weight_map = shards.SelectMany(s => s.Names.Select(n => (n, s.File))).ToDictionary(p => p.n, p => p.File),
        }));

        using var checkpoint = WanCheckpoint.Open(scratch.Path);

        Assert.Equal(WanCheckpointLayout.OfficialWan, checkpoint.Layout);
        Assert.Equal(names.Order(), checkpoint.Names.Order());
        foreach (var name in names)
        {
            TensorAssert.Identical(checkpoint.Load(name), native.Load(name), name);
        }
    }

    [Fact]
    public void A_directory_without_official_weights_is_rejected()
    {
        using var scratch = new ScratchDirectory();

        var error = Assert.Throws<CheckpointException>(() => WanCheckpoint.Open(scratch.Path));

        Assert.Contains("holds neither diffusion_pytorch_model.safetensors.index.json nor diffusion_pytorch_model.safetensors", error.Message, StringComparison.Ordinal);
    }
}
