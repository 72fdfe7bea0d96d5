using TorchSharp;
using TurboDiffusion.Engine.Models.Umt5;
using TurboDiffusion.Engine.Tests.Fixtures;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Models.Umt5;

public sealed class Umt5EncoderTests(ITestOutputHelper output)
{
    private readonly Umt5Fixture fixture = Umt5Fixture.Open();

    [Fact]
    public void Float64_forward_matches_reference_on_valid_rows()
    {
        var tolerance = fixture.Golden.Tolerance("float64 implementation vs out_fp64 (valid rows)");
        using var scope = NewDisposeScope();
        using var encoder = fixture.LoadEncoder(Umt5Precision.Fp64);
        var n = fixture.ValidTokens();

        var encoded = encoder.Forward(fixture.Input("ids"), fixture.Input("mask"));

        Assert.Equal(ScalarType.Float64, encoded.dtype);
        Check(encoded[.., ..n], fixture.Output("out_fp64")[.., ..n], tolerance, "umT5 fp64, valid rows");
    }

    [Fact]
    public void Padded_query_rows_see_only_real_keys()
    {
        var tolerance = fixture.Golden.Tolerance("float64 implementation vs out_fp64 (valid rows)");
        using var scope = NewDisposeScope();
        using var encoder = fixture.LoadEncoder(Umt5Precision.Fp64);
        var n = fixture.ValidTokens();

        var encoded = encoder.Forward(fixture.Input("ids"), fixture.Input("mask"));

        Check(encoded[.., n..], fixture.Output("out_fp64")[.., n..], tolerance, "umT5 fp64, padded rows");
    }

    [Fact]
    public void Float32_forward_matches_reference_within_fixture_tolerance()
    {
        var tolerance = fixture.Golden.Tolerance("float32 implementation");
        using var scope = NewDisposeScope();
        using var encoder = fixture.LoadEncoder(Umt5Precision.Fp32);
        var n = fixture.ValidTokens();

        var encoded = encoder.Forward(fixture.Input("ids"), fixture.Input("mask"));

        Assert.Equal(ScalarType.Float32, encoded.dtype);
        Check(encoded[.., ..n], fixture.Output("out_fp64")[.., ..n], tolerance, "umT5 fp32, valid rows");
    }

    [Fact]
    public void Bf16_forward_matches_reference_within_fixture_tolerance()
    {
        var tolerance = fixture.Golden.Tolerance("bf16 implementation");
        using var scope = NewDisposeScope();
        using var encoder = fixture.LoadEncoder(Umt5Precision.Bf16);
        var n = fixture.ValidTokens();

        var encoded = encoder.Forward(fixture.Input("ids"), fixture.Input("mask"));

        Assert.Equal(ScalarType.BFloat16, encoded.dtype);
        Check(encoded[.., ..n], fixture.Output("out_fp64")[.., ..n], tolerance, "umT5 bf16 (CPU), valid rows");
    }

    [Fact]
    public void Context_keeps_the_real_rows_and_zero_pads_to_the_text_length()
    {
        var tolerance = fixture.Golden.Tolerance("float64 implementation vs out_fp64 (valid rows)");
        using var scope = NewDisposeScope();
        using var encoder = fixture.LoadEncoder(Umt5Precision.Fp64);
        var n = fixture.ValidTokens();
        var tokens = fixture.Input("ids")[0, ..n].data<long>().Select(id => (int)id).ToList();

        var context = encoder.Context(tokens);

        Assert.Equal(new long[] { 1, fixture.Config.TextLength, fixture.Config.Dim }, context.shape);
        Check(context, fixture.Output("context_zero_padded_fp64"), tolerance, "umT5 context, trimmed and zero-padded");
        Assert.Equal(0.0, context[.., n..].abs().max().item<double>());
    }

    [Fact]
    public void Each_layer_adds_its_own_position_bias()
    {
        var exact = fixture.Golden.Tolerance("rel_bucket");
        using var scope = NewDisposeScope();
        using var encoder = fixture.LoadEncoder(Umt5Precision.Fp64);

        for (var layer = 0; layer < fixture.Config.Layers; layer++)
        {
            var bias = encoder.PositionBias(layer, fixture.Config.TextLength);

            Check(bias, fixture.Output($"pos_bias_layer{layer}"), exact, $"position bias of layer {layer}");
        }
    }

    [Fact]
    public void Prompts_longer_than_the_text_length_are_refused()
    {
        using var encoder = fixture.LoadEncoder(Umt5Precision.Fp32);
        var tokens = Enumerable.Repeat(5, fixture.Config.TextLength + 1).ToList();

        var error = Assert.Throws<ArgumentException>(() => encoder.Context(tokens));

        Assert.Contains($"1 to {fixture.Config.TextLength} tokens", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ids_outside_the_vocabulary_are_refused()
    {
        using var encoder = fixture.LoadEncoder(Umt5Precision.Fp32);
        using var ids = tensor(new long[] { 3, fixture.Config.VocabSize }, [1, 2], ScalarType.Int64);

        var error = Assert.Throws<ArgumentException>(() => encoder.Forward(ids));

        Assert.Contains($"[0, {fixture.Config.VocabSize})", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_forward_and_a_context_leave_no_live_tensor_but_their_result()
    {
        using var encoder = fixture.LoadEncoder(Umt5Precision.Fp32);
        using var ids = fixture.Input("ids");
        using var mask = fixture.Input("mask");
        var live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        encoder.Forward(ids, mask).Dispose();
        encoder.Context([5, 6, 1]).Dispose();

        Assert.Equal(live, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void A_disposed_encoder_refuses_to_run()
    {
        var encoder = fixture.LoadEncoder(Umt5Precision.Fp32);
        using var ids = tensor(new long[] { 3, 1 }, [1, 2], ScalarType.Int64);

        encoder.Dispose();

        Assert.Throws<ObjectDisposedException>(() => encoder.Forward(ids));
    }

    private void Check(Tensor actual, Tensor expected, Tolerance tolerance, string what)
    {
        var difference = TensorAssert.Close(actual, expected, tolerance, what);
        output.WriteLine($"{what}: max_abs {difference.MaxAbs:E2}, rel_l2 {difference.RelL2:E2}");
    }
}
