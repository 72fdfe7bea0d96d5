using System.Numerics;
using TurboDiffusion.Engine.Runtime;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.GpuTests.Runtime;

/// <summary>Pinned host copies packed into slabs: bit for bit, alive past their sources and scopes, and smaller than pinning tensor by tensor.</summary>
public sealed class PinnedHostSlabsCudaTests
{
    private const long Slab = 1L << 20;

    [Fact]
    public void Copies_hold_their_sources_bit_for_bit_in_less_pinned_memory_than_one_allocation_per_tensor()
    {
        CudaDevice.Require();
        long[][] bf16Shapes = [.. Enumerable.Repeat<long[]>([256, 512], 8), [540, 512], [540, 512], [1200, 512], [3, 5]];
        var sources = bf16Shapes.Select(shape => randn(shape, ScalarType.Float32).to(ScalarType.BFloat16))
            .Concat(Enumerable.Range(0, 3).Select(i => randn([100 + i], ScalarType.Float32)))
            .Append(randint(-128, 127, [1000, 300], ScalarType.Int8))
            .Select(host => host.to(CUDA))
            .ToList();
        var expected = sources.Select(s => s.cpu()).ToList();

        using var slabs = new PinnedHostSlabs(sources, Slab);
        List<Tensor> copies;
        using (NewDisposeScope())
        {
            copies = [.. sources.Select(s => slabs.Copy(s).MoveToOuterDisposeScope())];
        }

        sources.ForEach(s => s.Dispose());
        for (var i = 0; i < copies.Count; i++)
        {
            Assert.Equal(TorchSharp.DeviceType.CPU, copies[i].device_type);
            Assert.Equal(expected[i].shape, copies[i].shape);
            Assert.Equal(expected[i].dtype, copies[i].dtype);
            Assert.True(expected[i].equal(copies[i]).all().item<bool>(), $"copy {i} differs from its source");
        }

        var exact = expected.Sum(t => t.NumberOfElements * t.ElementSize);
        var perTensor = expected.Sum(t => (long)BitOperations.RoundUpToPowerOf2((ulong)(t.NumberOfElements * t.ElementSize)));
        var dtypes = expected.Select(t => t.dtype).Distinct().Count();
        Assert.True(slabs.Bytes >= exact, $"{slabs.Bytes} pinned bytes cannot hold {exact}");
        Assert.True(slabs.Bytes < perTensor, $"{slabs.Bytes} pinned bytes, no fewer than the {perTensor} of one allocation per tensor");
        Assert.True(slabs.Bytes <= exact + (dtypes * Slab), $"{slabs.Bytes} pinned bytes for {exact} of tensors in {dtypes} dtypes");
    }

    [Fact]
    public void A_slab_must_be_a_power_of_two()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new PinnedHostSlabs([], 3 << 20));
        Assert.Contains("power of two", error.Message, StringComparison.Ordinal);
    }
}
