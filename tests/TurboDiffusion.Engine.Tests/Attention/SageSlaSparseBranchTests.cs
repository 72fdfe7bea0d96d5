using TurboDiffusion.Engine.Attention;
using TurboDiffusion.Engine.Runtime;
using TurboDiffusion.Engine.Tests.Fixtures;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Attention;

/// <summary>
/// The SageSLA reference against its numerics written out on the full [Lq, Lk] scores with the selection as a mask,
/// and the invariants the quantization keeps, on random float64 inputs (head dim 128) whose lengths leave partial
/// last blocks. Where both sides round the same values the same way, they differ only in summation order.
/// </summary>
public sealed class SageSlaSparseBranchTests
{
    private const double SummationOrder = 1e-12;

    // Key blocks of 32 tokens: 200 keys are 7 blocks, the last with 8 real keys.
    private static readonly SlaOptions Options = new(0.5, 64, 32);

    public SageSlaSparseBranchTests() => TorchRuntime.EnsureLoaded();

    [Theory]
    [InlineData(150, 200)]
    [InlineData(200, 150)]
    public void The_quantized_branch_is_its_definition_under_the_block_mask_whatever_the_chunking(long queries, long keys)
    {
        using var scope = NewDisposeScope();
        var (q, k, v) = Inputs(queries, keys);
        var lut = Select(q, k, Options);

        var whole = Forward(ReferenceSageSlaSparseBranch.Instance, q, k, v, lut, Options);
        var perQueryBlock = Forward(ReferenceSageSlaSparseBranch.Instance, q, k, v, lut, Options, chunkScores: 1);

        var expected = Definition(q, k, v, lut, Options);
        Assert.True(lut.shape[3] > 1, "several key blocks per query block, each with its own key scale");
        Assert.True(TensorAssert.Compare(whole, expected).MaxAbs <= SummationOrder);
        Assert.True(TensorAssert.Compare(perQueryBlock, expected).MaxAbs <= SummationOrder);
    }

    [Fact]
    public void Only_the_real_keys_of_a_partial_last_key_block_are_attended()
    {
        using var scope = NewDisposeScope();
        var (q, k, v) = Inputs(150, 200);
        var lut = full([2, 3, 3, 1], 6, ScalarType.Int32);

        var quantized = Forward(ReferenceSageSlaSparseBranch.Instance, q, k, v, lut, Options);
        var unquantized = Forward(ReferenceSageSlaSparseBranch.Unquantized, q, k, v, lut, Options);

        var (lastKeys, lastValues) = (k.narrow(2, 192, 8), v.narrow(2, 192, 8));
        var dense = DenseAttention.Instance.Forward(q.transpose(1, 2), lastKeys.transpose(1, 2), lastValues.transpose(1, 2)).transpose(1, 2);
        Assert.True(TensorAssert.Compare(quantized, Definition(q, k, v, lut, Options)).MaxAbs <= SummationOrder);
        Assert.True(TensorAssert.Compare(unquantized, dense).MaxAbs <= SummationOrder);
    }

    [Fact]
    public void Smoothing_the_keys_leaves_the_unquantized_branch_equal_to_exact_sparse_attention_over_the_raw_keys()
    {
        using var scope = NewDisposeScope();
        var (q, k, v) = Inputs(150, 200);
        using var generator = new Generator(5, CPU);
        var offsetKeys = k + 3 * randn([128], ScalarType.Float64, generator: generator);
        var lut = Select(q, offsetKeys, Options);

        var smoothed = Forward(ReferenceSageSlaSparseBranch.Unquantized, q, offsetKeys, v, lut, Options);

        var exact = SlaSparseBranch.Forward(q, offsetKeys, v, lut, Options);
        Assert.True(TensorAssert.Compare(smoothed, exact).MaxAbs <= SummationOrder);
    }

    [Fact]
    public void Shifting_every_key_by_one_vector_leaves_the_quantized_output_unchanged()
    {
        using var scope = NewDisposeScope();
        // bf16 values and 256 keys: every sum, the mean and each k − mean are exact in float64, shifted or not.
        var (q, k, v) = Inputs(150, 256);
        k = k.to(ScalarType.BFloat16).to(ScalarType.Float64);
        using var generator = new Generator(5, CPU);
        var shift = (4 * randn([128], ScalarType.Float64, generator: generator)).to(ScalarType.BFloat16).to(ScalarType.Float64);
        var lut = Select(q, k, Options);

        var shifted = Forward(ReferenceSageSlaSparseBranch.Instance, q, k + shift, v, lut, Options);

        TensorAssert.Identical(shifted, Forward(ReferenceSageSlaSparseBranch.Instance, q, k, v, lut, Options), "k + shift vs k");
    }

    [Fact]
    public void Powers_of_two_on_q_k_and_v_keep_every_code_and_scale_the_quantized_output_exactly()
    {
        using var scope = NewDisposeScope();
        var (q, k, v) = Inputs(150, 200);
        var lut = Select(q, k, Options);

        var scaled = Forward(ReferenceSageSlaSparseBranch.Instance, q * 8, k / 8, v * 4, lut, Options);

        TensorAssert.Identical(scaled, Forward(ReferenceSageSlaSparseBranch.Instance, q, k, v, lut, Options) * 4, "o(8q, k/8, 4v) vs 4·o(q, k, v)");
    }

    [Fact]
    public void A_zero_query_block_attends_all_selected_keys_equally_and_a_zero_value_channel_stays_zero()
    {
        using var scope = NewDisposeScope();
        var (q, k, v) = Inputs(150, 200);
        q.narrow(2, 64, 64).zero_();
        v.select(3, 5).zero_();
        var everyBlock = new SlaOptions(1.0, 64, 32);
        var lut = Select(q, k, everyBlock);

        var o = Forward(ReferenceSageSlaSparseBranch.Instance, q, k, v, lut, everyBlock);

        var (v8, sv) = SageSlaQuantization.Fp8PerChannel(v);
        var meanValue = (v8 * sv).mean([2L], keepdim: true).expand(2, 3, 64, 128);
        Assert.True(o.isfinite().all().item<bool>());
        TensorAssert.Identical(o.select(3, 5), zeros(2, 3, 150, ScalarType.Float64), "zero value channel");
        Assert.True(TensorAssert.Compare(o.narrow(2, 64, 64), meanValue).MaxAbs <= SummationOrder);
    }

    [Fact]
    public void Keys_equal_across_tokens_smooth_to_zero_blocks_and_give_the_mean_value()
    {
        using var scope = NewDisposeScope();
        var (q, k, v) = Inputs(150, 200);
        // bf16 values: 200 copies sum exactly, so the mean is the key itself and the smoothed keys are exactly zero.
        var constantKeys = k.narrow(2, 0, 1).to(ScalarType.BFloat16).to(ScalarType.Float64).expand_as(k).contiguous();
        var everyBlock = new SlaOptions(1.0, 64, 32);
        var lut = Select(q, constantKeys, everyBlock);

        var o = Forward(ReferenceSageSlaSparseBranch.Instance, q, constantKeys, v, lut, everyBlock);

        var (v8, sv) = SageSlaQuantization.Fp8PerChannel(v);
        Assert.True(o.isfinite().all().item<bool>());
        Assert.True(TensorAssert.Compare(o, (v8 * sv).mean([2L], keepdim: true).expand(2, 3, 150, 128)).MaxAbs <= SummationOrder);
    }

    // Head-major q, k through the selection's token-major contract.
    private static Tensor Select(Tensor q, Tensor k, SlaOptions options) => SlaBlockSelection.Select(q.transpose(1, 2), k.transpose(1, 2), options);

    // Head-major q, k, v through the branch's token-major contract → o_s [B, H, Lq, D].
    private static Tensor Forward(
        ReferenceSageSlaSparseBranch branch, Tensor q, Tensor k, Tensor v, Tensor lut, SlaOptions options, long chunkScores = SlaSparseBranch.ChunkScores) =>
        branch.Forward(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2), lut, options, chunkScores).transpose(1, 2);

    // The branch's numerics on the full [B, H, Lq, Lk] scores, with the selection as a mask.
    private static Tensor Definition(Tensor q, Tensor k, Tensor v, Tensor lut, SlaOptions options)
    {
        var (queries, keys, d) = (q.shape[2], k.shape[2], q.shape[3]);
        var (q8, sq) = SageSlaQuantization.Int8PerBlock(q, options.QueryBlock);
        var (k8, sk) = SageSlaQuantization.Int8PerBlock(SageSlaQuantization.SmoothKeys(k), options.KeyBlock);
        var (v8, sv) = SageSlaQuantization.Fp8PerChannel(v);
        var perQuery = sq.repeat_interleave(options.QueryBlock, 2).narrow(2, 0, queries).unsqueeze(-1);
        var perKey = sk.repeat_interleave(options.KeyBlock, 2).narrow(2, 0, keys).unsqueeze(-2);

        var scores = q8.matmul(k8.transpose(-2, -1)) * (perQuery * (Math.Log2(Math.E) / Math.Sqrt(d))) * perKey;
        scores = scores.masked_fill(SlaDefinitionTests.BlockMask(lut, queries, keys, options).logical_not(), double.NegativeInfinity);
        var p = (scores - scores.amax([-1L], keepdim: true).ceil()).exp2();
        return SageSlaQuantization.E4M3(p * 256).matmul(v8) / 256 / p.sum(-1, keepdim: true) * sv;
    }

    // q [2, 3, Lq, 128], k and v [2, 3, Lk, 128], float64 from a fixed seed.
    private static (Tensor Q, Tensor K, Tensor V) Inputs(long queries, long keys)
    {
        using var generator = new Generator(29, CPU);
        return (randn([2, 3, queries, 128], ScalarType.Float64, generator: generator),
            randn([2, 3, keys, 128], ScalarType.Float64, generator: generator),
            randn([2, 3, keys, 128], ScalarType.Float64, generator: generator));
    }
}
