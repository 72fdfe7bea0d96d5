using TurboDiffusion.Engine.Attention;
using TurboDiffusion.Engine.Runtime;
using TurboDiffusion.Engine.Tests.Fixtures;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Attention;

/// <summary>
/// SageSLA's int8 and fp8 quantizers against their definitions. The e4m3 tests decode every E4M3FN code from its
/// bits (1 sign, 4 exponent with bias 7, 3 mantissa; exponent 0 is subnormal; 0x7F is NaN), so they do not share
/// the implementation's arithmetic.
/// </summary>
public sealed class SageSlaQuantizationTests
{
    public SageSlaQuantizationTests() => TorchRuntime.EnsureLoaded();

    [Fact]
    public void E4m3_keeps_every_finite_value_and_its_negative()
    {
        using var scope = NewDisposeScope();
        var values = tensor(Codes());

        TensorAssert.Identical(SageSlaQuantization.E4M3(values), values, "positive codes");
        TensorAssert.Identical(SageSlaQuantization.E4M3(-values), -values, "negative codes");
    }

    [Fact]
    public void E4m3_rounds_each_halfway_point_to_the_even_code()
    {
        using var scope = NewDisposeScope();
        var codes = Codes();
        var halfway = Enumerable.Range(0, codes.Length - 1).Select(i => (codes[i] + codes[i + 1]) / 2).ToArray();
        var even = Enumerable.Range(0, codes.Length - 1).Select(i => codes[i % 2 == 0 ? i : i + 1]).ToArray();

        TensorAssert.Identical(SageSlaQuantization.E4M3(tensor(halfway)), tensor(even), "positive halfway points");
        TensorAssert.Identical(SageSlaQuantization.E4M3(-tensor(halfway)), -tensor(even), "negative halfway points");
    }

    [Fact]
    public void E4m3_rounds_any_value_in_range_to_a_nearest_code()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(41, CPU);
        var x = (randn([4000], ScalarType.Float64, generator: generator) * exp(randn([4000], ScalarType.Float64, generator: generator) * 3))
            .clamp(-SageSlaQuantization.E4M3Max, SageSlaQuantization.E4M3Max);
        var signed = tensor(Codes().Concat(Codes().Skip(1).Select(c => -c)).ToArray());

        var rounded = SageSlaQuantization.E4M3(x);

        Assert.True(rounded.unsqueeze(1).eq(signed).any(1).all().item<bool>(), "every result is an e4m3 value");
        TensorAssert.Identical((x - rounded).abs(), (x.unsqueeze(1) - signed).abs().amin([1L]), "no code is nearer");
    }

    [Theory]
    [InlineData(0.0, 0.0)]
    [InlineData(1e-30, 0.0)]
    [InlineData(0.00048828125, 0.0)] // 2^-11
    [InlineData(0.0009765625, 0.0)] // 2^-10: halfway between 0 and the smallest subnormal, to even 0
    [InlineData(0.00146484375, 0.001953125)] // 1.5·2^-10 → 2^-9
    [InlineData(0.001953125, 0.001953125)] // 2^-9, the smallest subnormal
    [InlineData(0.0029296875, 0.00390625)] // 3·2^-10: halfway between codes 1 and 2, to 2
    [InlineData(0.0146484375, 0.015625)] // 7.5·2^-9: halfway between the largest subnormal and 2^-6, to 2^-6
    [InlineData(17.0, 16.0)] // halfway 16 (even) | 18
    [InlineData(19.0, 20.0)] // halfway 18 | 20 (even)
    [InlineData(-19.0, -20.0)]
    [InlineData(2.25, 2.25)]
    [InlineData(448.0, 448.0)]
    [InlineData(463.99, 448.0)]
    [InlineData(464.0, 448.0)] // halfway to the NaN code's 480: saturates
    [InlineData(470.0, 448.0)]
    [InlineData(1e6, 448.0)]
    [InlineData(-1e300, -448.0)]
    [InlineData(double.PositiveInfinity, 448.0)]
    [InlineData(double.NegativeInfinity, -448.0)]
    public void E4m3_subnormals_ties_and_saturation(double x, double expected)
    {
        using var scope = NewDisposeScope();

        var rounded = SageSlaQuantization.E4M3(tensor(new[] { x })).item<double>();

        Assert.Equal(expected, rounded);
    }

    [Fact]
    public void E4m3_keeps_nan()
    {
        using var scope = NewDisposeScope();

        Assert.True(double.IsNaN(SageSlaQuantization.E4M3(tensor(new[] { double.NaN })).item<double>()));
    }

    [Fact]
    public void Int8_codes_divide_by_the_block_absmax_over_127_and_round_half_to_even()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new[] { 127.0, 0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 126.5 }).view(1, 1, 2, 4);

        var (codes, scales) = SageSlaQuantization.Int8PerBlock(x, 2);

        TensorAssert.Identical(codes, tensor(new[] { 127.0, 0, 2, 2, 0, -2, -2, 126 }).view(1, 1, 2, 4), "codes");
        TensorAssert.Identical(scales, ones(1, 1, 1, ScalarType.Float64), "scale = 127 / 127");
    }

    [Theory]
    [InlineData(150, 64)]
    [InlineData(128, 64)]
    public void Int8_codes_are_integers_up_to_127_reaching_it_in_every_block_and_within_half_a_step(long tokens, long block)
    {
        using var scope = NewDisposeScope();
        var x = Random(2, 3, tokens, 16);

        var (codes, scales) = SageSlaQuantization.Int8PerBlock(x, block);

        var blocks = SlaTiles.Count(tokens, block);
        var perToken = scales.repeat_interleave(block, 2).narrow(2, 0, tokens).unsqueeze(-1);
        Assert.Equal(new[] { 2L, 3, blocks }, scales.shape);
        TensorAssert.Identical(codes, codes.round(), "integral codes");
        Assert.True(codes.abs().le(127).all().item<bool>());
        for (var i = 0L; i < blocks; i++)
        {
            var start = i * block;
            var length = Math.Min(block, tokens - start);
            var absmax = x.narrow(2, start, length).abs().amax([2L, 3L]);
            TensorAssert.Identical(scales.select(2, i), absmax / 127, $"block {i} scale");
            TensorAssert.Identical(codes.narrow(2, start, length).abs().amax([2L, 3L]), full([2, 3], 127.0, ScalarType.Float64), $"block {i} reaches 127");
        }

        Assert.True((codes * perToken - x).abs().le(perToken * (0.5 + 1e-12)).all().item<bool>(), "|code · scale − x| ≤ scale / 2");
    }

    [Theory]
    [InlineData(-3)]
    [InlineData(5)]
    public void Scaling_by_a_power_of_two_leaves_int8_codes_unchanged(int exponent)
    {
        using var scope = NewDisposeScope();
        var x = Random(2, 3, 150, 16);
        var factor = Math.ScaleB(1, exponent);

        var (codes, scales) = SageSlaQuantization.Int8PerBlock(x, 64);
        var (scaledCodes, scaledScales) = SageSlaQuantization.Int8PerBlock(x * factor, 64);

        TensorAssert.Identical(scaledCodes, codes, "codes");
        TensorAssert.Identical(scaledScales, scales * factor, "scales");
    }

    [Fact]
    public void A_strided_view_quantizes_as_its_contiguous_copy()
    {
        using var scope = NewDisposeScope();
        var headMajor = Random(2, 150, 3, 16).transpose(1, 2);

        var (codes, scales) = SageSlaQuantization.Int8PerBlock(headMajor, 50);

        var (expectedCodes, expectedScales) = SageSlaQuantization.Int8PerBlock(headMajor.contiguous(), 50);
        TensorAssert.Identical(codes, expectedCodes, "codes");
        TensorAssert.Identical(scales, expectedScales, "scales");
    }

    [Fact]
    public void An_all_zero_block_gets_zero_codes_and_a_zero_scale()
    {
        using var scope = NewDisposeScope();
        var x = Random(1, 2, 150, 16);
        x.narrow(2, 64, 64).zero_();

        var (codes, scales) = SageSlaQuantization.Int8PerBlock(x, 64);

        TensorAssert.Identical(codes.narrow(2, 64, 64), zeros(1, 2, 64, 16, ScalarType.Float64), "codes of the zero block");
        TensorAssert.Identical(scales.select(2, 1), zeros(1, 2, ScalarType.Float64), "scale of the zero block");
        Assert.True(codes.isfinite().all().item<bool>() && scales.isfinite().all().item<bool>());
    }

    [Fact]
    public void Smoothed_keys_are_the_keys_less_their_mean_over_all_tokens()
    {
        using var scope = NewDisposeScope();
        var k = Random(2, 3, 150, 16) + 5;

        var smoothed = SageSlaQuantization.SmoothKeys(k);

        Assert.True(smoothed.mean([2L]).abs().max().item<double>() <= 1e-14);
        Assert.True(TensorAssert.Compare(k - smoothed, k.mean([2L], keepdim: true).expand_as(k)).MaxAbs <= 1e-14);
    }

    [Fact]
    public void Fp8_values_are_e4m3_codes_of_the_channel_scaled_to_2_25_and_a_zero_channel_stays_zero()
    {
        using var scope = NewDisposeScope();
        var v = Random(2, 3, 150, 16);
        v.select(3, 5).zero_();

        var (codes, scales) = SageSlaQuantization.Fp8PerChannel(v);

        var absmax = v.abs().amax([2L], keepdim: true);
        var scaled = v * (2.25 / absmax).nan_to_num(0, 0, 0);
        Assert.Equal(new[] { 2L, 3, 1, 16 }, scales.shape);
        TensorAssert.Identical(scales, absmax / 2.25, "scales");
        TensorAssert.Identical(SageSlaQuantization.E4M3(codes), codes, "codes are e4m3 values");
        TensorAssert.Identical(codes.select(3, 5), zeros(2, 3, 150, ScalarType.Float64), "zero channel");
        TensorAssert.Identical(codes.abs().amax([2L]).narrow(2, 0, 5), full([2, 3, 5], 2.25, ScalarType.Float64), "each channel's absmax is 2.25");
        Assert.True((codes - scaled).abs().le(scaled.abs().div(16).clamp_min(1.0 / 1024)).all().item<bool>(),
            "|code − v · 2.25/a| ≤ half a step: 2^-4 relative for normals, 2^-10 for subnormals");
    }

    // The 127 finite non-negative E4M3FN values, ascending: index = code 0x00 … 0x7E.
    private static double[] Codes() => Enumerable.Range(0, 0x7F).Select(code =>
    {
        var (exponent, mantissa) = (code >> 3, code & 7);
        return exponent == 0 ? Math.ScaleB(mantissa, -9) : Math.ScaleB(8 + mantissa, exponent - 7 - 3);
    }).ToArray();

    private static Tensor Random(long b, long h, long l, long d)
    {
        using var generator = new Generator(17, CPU);
        return randn([b, h, l, d], ScalarType.Float64, generator: generator);
    }
}
