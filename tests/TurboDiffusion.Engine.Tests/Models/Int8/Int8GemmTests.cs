using TurboDiffusion.Engine.Models.Int8;
using TurboDiffusion.Engine.Tests.Fixtures;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Models.Int8;

public sealed class Int8GemmTests
{
    private readonly Int8LinearFixture fixture = Int8LinearFixture.Open();

    [Fact]
    public void Tile_sums_are_the_exact_int32_dot_products()
    {
        using var scope = NewDisposeScope();

        var sums = Int8Gemm.TileSums(fixture.Load("x_int8"), fixture.Load("w_int8"));

        fixture.AssertExact("acc_i32_tiles", sums, fixture.Load("acc_i32_tiles"));
    }

    [Fact]
    public void The_fp32_accumulator_and_its_bf16_rounding_match_the_kernel_bit_for_bit()
    {
        using var scope = NewDisposeScope();

        var acc = Accumulate();

        fixture.AssertExact("acc_fp32", acc, fixture.Load("acc_fp32"));
        fixture.AssertExact("y_gemm_bf16 / out_bf16", acc.to(ScalarType.BFloat16), fixture.Load("y_gemm_bf16"));
    }

    [Fact]
    public void The_float64_sum_matches_the_exact_reference()
    {
        using var scope = NewDisposeScope();
        var exact = fixture.Load("y_exact_f64");

        var sum = Int8Gemm.Exact(fixture.Load("x_int8"), fixture.Load("x_scale"), fixture.Load("w_int8"), fixture.Load("w_scale"));

        TensorAssert.Close(sum, exact, fixture.Golden.Tolerance("y_exact_f64"), "y_exact_f64");
        // The fp32 accumulation stays within what the manifest measured for it against the exact sum.
        var measured = fixture.Manifest.Section("comparisons").GetProperty("acc_fp32_vs_exact_f64").GetProperty("max_abs").GetDouble();
        Assert.True(TensorAssert.Compare(Accumulate(), exact).MaxAbs <= measured);
    }

    [Fact]
    public void Fused_multiply_add_rounds_once_where_a_float64_sum_would_round_twice()
    {
        using var scope = NewDisposeScope();
        // (2^21 - 1) · 2^-45 (1 + 2^-21) = 2^-24 - 2^-66: added to 1 + 2^-23 it lies just below the fp32 midpoint
        // 1 + 2^-23 + 2^-24, but its float64 sum is that midpoint, which fp32 rounding sends to the even 1 + 2^-22.
        float[] a = [(1 << 21) - 1, 24167, -20002, 3];
        float[] s = [MathF.ScaleB(1 + MathF.ScaleB(1, -21), -45), 0.0021209716796875f * 0.443359375f, 0.0018615723f * 0.1650390625f, 1e-8f];
        float[] c = [1 + MathF.ScaleB(1, -23), 20.516851f, -17.987486f, 1];
        var expected = a.Select((_, i) => MathF.FusedMultiplyAdd(a[i], s[i], c[i])).ToArray();

        var actual = Int8Gemm.FusedMultiplyAdd(tensor(a).to(ScalarType.Float64) * tensor(s).to(ScalarType.Float64), tensor(c));

        Assert.Equal(expected, actual.data<float>().ToArray());
        Assert.NotEqual(expected[0], (float)(((double)a[0] * s[0]) + c[0]));
    }

    private Tensor Accumulate() =>
        Int8Gemm.Accumulate(fixture.Load("x_int8"), fixture.Load("x_scale"), fixture.Load("w_int8"), fixture.Load("w_scale"));
}
