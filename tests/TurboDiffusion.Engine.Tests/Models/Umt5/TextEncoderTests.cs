using TorchSharp;
using TurboDiffusion.Engine.Checkpoints;
using TurboDiffusion.Engine.Models.Umt5;
using TurboDiffusion.Engine.Tests.Fixtures;
using TurboDiffusion.Engine.Tests.Text;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Models.Umt5;

/// <summary>The fixture tokenizer on a tiny random-weight encoder whose vocabulary is its pieces and whose text length is its ids per prompt.</summary>
public sealed class TextEncoderTests
{
    private readonly TokenizerFixture fixture = TokenizerFixture.Instance;

    private Umt5Config Config => Umt5Config.Tiny with
    {
        Name = "umt5-tiny-covering", VocabSize = fixture.Tokenizer.PieceCount, TextLength = fixture.MaxLength,
    };

    [Fact]
    public void A_prompt_becomes_its_encoded_tokens_zero_padded_to_the_text_length()
    {
        using var scope = NewDisposeScope();
        using var text = Create(Umt5Precision.Fp32);
        var tokens = fixture.Tokenizer.Tokenize("A cat on a windowsill").Tokens;

        var context = text.Encode("A cat on a windowsill");

        Assert.Equal(new long[] { 1, Config.TextLength, Config.Dim }, context.shape);
        Assert.Equal(0f, (context - text.Encoder.Context(tokens)).abs().max().item<float>());
        Assert.Equal(0f, context[.., tokens.Count..].abs().max().item<float>());
        Assert.True(context[0, ..tokens.Count].abs().sum(-1).min().item<float>() > 0);
    }

    [Fact]
    public void Prompts_that_clean_alike_are_encoded_once()
    {
        using var scope = NewDisposeScope();
        using var text = Create(Umt5Precision.Fp32);

        var first = text.Encode("Tom & Jerry");
        var second = text.Encode("  Tom &amp; Jerry\n");

        Assert.Equal((1L, 1L), (text.Cache.Hits, text.Cache.Misses));
        Assert.Equal(0f, (first - second).abs().max().item<float>());
    }

    [Fact]
    public void A_shared_cache_keeps_precisions_apart()
    {
        using var scope = NewDisposeScope();
        using var cache = new PromptEmbeddingCache(capacity: 4);
        using var fp32 = Create(Umt5Precision.Fp32, cache);
        using var fp64 = Create(Umt5Precision.Fp64, cache);

        var single = fp32.Encode("a red kite");
        var dual = fp64.Encode("a red kite");

        Assert.Equal((0L, 2L), (cache.Hits, cache.Misses));
        Assert.Equal((ScalarType.Float32, ScalarType.Float64), (single.dtype, dual.dtype));
    }

    [Fact]
    public void Evicted_prompts_are_encoded_again()
    {
        using var scope = NewDisposeScope();
        using var cache = new PromptEmbeddingCache(capacity: 1);
        using var text = Create(Umt5Precision.Fp32, cache);

        text.Encode("first prompt");
        text.Encode("second prompt");
        text.Encode("first prompt");

        Assert.Equal((0L, 3L), (cache.Hits, cache.Misses));
        Assert.Equal(1, cache.Count);
    }

    [Fact]
    public void A_tokenizer_whose_ids_exceed_the_vocabulary_is_refused()
    {
        var tooSmall = Config with { VocabSize = fixture.Tokenizer.PieceCount - 1 };
        using var weights = new RandomUmt5Weights(tooSmall, seed: 1);
        using var encoder = Umt5Encoder.Load(weights, tooSmall, Umt5Precision.Fp32);

        var error = Assert.Throws<ArgumentException>(() => new TextEncoder(fixture.Tokenizer, encoder, "tiny"));

        Assert.Contains($"{fixture.Tokenizer.PieceCount} pieces", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Loading_from_files_reads_the_checkpoint_and_spiece_model()
    {
        using var scope = NewDisposeScope();
        using var scratch = new ScratchDirectory();
        var checkpoint = scratch.File("umt5-random.safetensors");
        using (var weights = new RandomUmt5Weights(Config, seed: 11))
        {
            SafetensorsWriter.Write(checkpoint, weights.Names.Select(name => KeyValuePair.Create(name, weights.Load(name))));
        }

        using var loaded = TextEncoder.Load(checkpoint, fixture.ModelPath, Config, Umt5Precision.Fp32);
        using var direct = Create(Umt5Precision.Fp32);

        Assert.Equal(Path.GetFullPath(checkpoint), loaded.Model);
        Assert.Equal(0f, (loaded.Encode("a red kite") - direct.Encode("a red kite")).abs().max().item<float>());
    }

    [Fact]
    public void Loading_a_mismatched_pair_fails_and_frees_the_encoder()
    {
        var umt5 = Umt5Fixture.Open();
        var config = umt5.Config with { TextLength = fixture.MaxLength };
        Assert.True(config.VocabSize < fixture.Tokenizer.PieceCount, $"the pair must mismatch: umt5_tiny's {config.VocabSize} ids cover the tokenizer's {fixture.Tokenizer.PieceCount} pieces");
        var live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        Assert.Throws<ArgumentException>(() => TextEncoder.Load(umt5.Golden.PathOf("umt5.pth"), fixture.ModelPath, config, Umt5Precision.Bf16));

        Assert.Equal(live, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    private TextEncoder Create(Umt5Precision precision, PromptEmbeddingCache? cache = null)
    {
        using var weights = new RandomUmt5Weights(Config, seed: 11);
        return new TextEncoder(fixture.Tokenizer, Umt5Encoder.Load(weights, Config, precision), "random tiny", cache);
    }
}
