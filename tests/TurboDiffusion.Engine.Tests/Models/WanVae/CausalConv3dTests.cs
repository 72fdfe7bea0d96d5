using TorchSharp;
using TurboDiffusion.Engine.Models.WanVae;
using TurboDiffusion.Engine.Models.Weights;
using TurboDiffusion.Engine.Runtime;
using TurboDiffusion.Engine.Tests.Fixtures;
using TurboDiffusion.Engine.Tests.Models.Wan;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Models.WanVae;

public sealed class CausalConv3dTests
{
    public CausalConv3dTests() => TorchRuntime.EnsureLoaded();

    [Theory]
    [InlineData(new[] { 5 })]
    [InlineData(new[] { 1, 4 })]
    [InlineData(new[] { 1, 2, 2 })]
    [InlineData(new[] { 1, 1, 1, 1, 1 })]
    public void Chunks_under_one_cache_convolve_like_the_whole_sequence_with_two_zero_frames_in_front(int[] chunks)
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(3);
        var (weight, bias) = (randn([4, 3, 3, 3, 3], ScalarType.Float64, generator: generator), randn([4], ScalarType.Float64, generator: generator));
        var x = randn([1, 3, 5, 4, 4], ScalarType.Float64, generator: generator);
        var conv = Conv(weight, bias);
        using var cache = new FrameCache();
        var outputs = new List<Tensor>();

        var start = 0;
        foreach (var length in chunks)
        {
            outputs.Add(conv.Forward(x.narrow(2, start, length), cache));
            cache.EndChunk();
            start += length;
        }

        var expected = nn.functional.conv3d(nn.functional.pad(x, [1, 1, 1, 1, 2, 0]), weight, bias);
        TensorAssert.Close(cat(outputs, 2), expected, Tolerance.Parse("max_abs <= 1e-12"), "chunked causal conv");
        Assert.Equal(1, cache.HeldSlots);
        Assert.Equal(2, cache.History(conv)!.shape[2]);
    }

    [Fact]
    public void Reset_frees_the_held_frames_and_starts_a_new_pass()
    {
        using var scope = NewDisposeScope();
        var conv = Conv(ones([2, 2, 3, 3, 3]), zeros([2]));
        var cache = new FrameCache();
        conv.Forward(ones([1, 2, 1, 2, 2]), cache);
        cache.EndChunk();
        var held = cache.History(conv)!;
        var live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        cache.Reset();

        Assert.True(held.IsInvalid);
        Assert.Equal(live - 1, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        Assert.Equal(0, cache.HeldSlots);
        Assert.Null(cache.History(conv));
        Assert.True(cache.IsFirstChunk);
    }

    private static CausalConv3d Conv(Tensor weight, Tensor bias)
    {
        var reader = new InMemoryTensorReader("conv.safetensors", new Dictionary<string, Tensor> { ["conv.weight"] = weight, ["conv.bias"] = bias });
        return CausalConv3d.Load3(new WeightLoader(new CheckpointWeightSource(reader, CPU), new WeightSet()), "conv", weight.shape[1], weight.shape[0], weight.dtype);
    }
}
