using TurboDiffusion.Engine.Models.Int8;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Models.Int8;

public sealed class KernelReciprocalTests
{
    private readonly Int8LinearFixture fixture = Int8LinearFixture.Open();

    [Fact]
    public void Reproduces_the_measured_kernel_value_for_every_bf16_amax_and_the_empty_tile()
    {
        using var file = fixture.Golden.Tensors(Int8LinearFixture.ReciprocalFile);
        using var bits = file.Load("bf16_bits");
        using var measured = file.Load("scale_inv_kernel");
        using var empty = file.Load("scale_inv_kernel_amax_1e-8");

        var wrong = bits.data<int>().ToArray().Zip(measured.data<float>().ToArray())
            .Where(p => BitConverter.SingleToInt32Bits(KernelReciprocal.Of(BitConverter.Int32BitsToSingle(p.First << 16))) != BitConverter.SingleToInt32Bits(p.Second))
            .Select(p => $"0x{p.First:x4}: {KernelReciprocal.Of(BitConverter.Int32BitsToSingle(p.First << 16)):R} vs {p.Second:R}")
            .ToList();

        Assert.True(wrong.Count == 0, $"{wrong.Count} of {bits.numel()} differ: {string.Join("; ", wrong.Take(5))}");
        Assert.Equal(empty.item<float>(), KernelReciprocal.Of(BlockwiseInt8.EmptyTileAmax));
    }

    [Fact]
    public void Ieee_division_changes_exactly_the_int8_values_the_fixture_counts()
    {
        using var scope = NewDisposeScope();
        foreach (var (input, expected, count) in new[] { ("w_bf16", "w_int8", "w_int8_differences"), ("x_bf16", "x_int8", "x_int8_differences") })
        {
            var x = fixture.Load(input);
            var (kernel, _) = BlockwiseInt8.Quantize(x);

            var differences = IeeeQuantize(x).ne(kernel).sum().item<long>();

            Assert.Equal(fixture.Comparison("ieee_division_vs_kernel_rule", count), differences);
            Assert.Equal(0, kernel.ne(fixture.Load(expected)).sum().item<long>());
        }
    }

    // The same rule with r = IEEE fp32 128/amax, tile by tile.
    private static Tensor IeeeQuantize(Tensor x)
    {
        var tile = BlockwiseInt8.Tile;
        var values = x.to(ScalarType.Float32);
        var result = zeros_like(values);
        for (var i = 0L; i < x.shape[0]; i += tile)
        {
            for (var j = 0L; j < x.shape[1]; j += tile)
            {
                var block = values.narrow(0, i, Math.Min(tile, x.shape[0] - i)).narrow(1, j, Math.Min(tile, x.shape[1] - j));
                var amax = Math.Max(block.abs().max().item<float>(), BlockwiseInt8.EmptyTileAmax);
                result.narrow(0, i, block.shape[0]).narrow(1, j, block.shape[1]).copy_((block * (KernelReciprocal.Numerator / amax)).round().clamp(-128, 127));
            }
        }

        return result.to(ScalarType.Int8);
    }
}
