using System.Globalization;
using System.Text.Json;
using TurboDiffusion.Engine.Models.Umt5;
using TurboDiffusion.Engine.Models.Wan;
using TurboDiffusion.Engine.Models.WanVae;

namespace TurboDiffusion.Engine.Tests.Fixtures;

/// <summary>The networks of the dit_*, umt5_tiny, vae_tiny and tokenizer fixtures, as the engine's configurations.</summary>
public sealed partial class FixtureManifest
{
    /// <summary>The DiT of a dit_* set: dim, ffn, heads, layers, channels, patch, freq/text dims and text length of its <c>config</c>.</summary>
    /// <exception cref="NotSupportedException">The manifest describes a DiT variant the engine does not build (no qk-norm, ...).</exception>
    public WanConfig WanConfig()
    {
        Require(Flag("qk_norm") && Flag("cross_attn_norm"), "a Wan DiT with qk_norm and cross_attn_norm, the only kind the engine builds");
        var task = Text("model_type") switch
        {
            "t2v" => WanTask.TextToVideo,
            "i2v" => WanTask.ImageToVideo,
            var other => throw new NotSupportedException($"{Path}: model_type '{other}' is neither t2v nor i2v"),
        };
        var patch = Sizes("patch_size");
        var config = new WanConfig(
            Set, task, Dim: Size("dim"), FfnDim: Size("ffn"), NumHeads: Size("heads"), NumLayers: Size("layers"), InDim: Size("in_dim"),
            OutDim: Size("out_dim"), FreqDim: Size("freq_dim"), TextDim: Size("text_dim"), TextLen: Size("text_len"), Eps: Number("eps"))
        {
            PatchSize = new WanPatchSize(patch[0], patch[1], patch[2]),
        };
        Require(config.HeadDim == Size("head_dim"), $"head_dim {Size("head_dim")} = dim / heads, found {config.HeadDim}");
        return config;
    }

    /// <summary>The umT5 encoder of umt5_tiny; its context length is the length of its prompt, <c>ids_len</c>.</summary>
    public Umt5Config Umt5Config()
    {
        Require(!Flag("shared_pos"), "per-layer position tables (shared_pos false), the only kind the engine builds");
        return new Umt5Config(
            Set, VocabSize: Size("vocab"), Dim: Size("dim"), DimAttn: Size("dim_attn"), DimFfn: Size("dim_ffn"), Heads: Size("heads"), Layers: Size("layers"),
            Buckets: Size("buckets"), MaxDistance: Size("max_dist"), Eps: Number("eps"), TextLength: Size("ids_len"));
    }

    /// <summary>The VAE of vae_tiny with the latent statistics the caller read from its inputs.</summary>
    public WanVaeConfig VaeConfig(LatentNormalization latents)
    {
        Require(Setting("attn_scales").GetArrayLength() == 0, "no attention scales, the only kind the engine builds");
        var temporal = Setting("temperal_downsample").EnumerateArray().Select(e => e.GetBoolean()).ToList();
        return new WanVaeConfig(Set, Size("dim"), Size("z_dim"), Sizes("dim_mult"), Size("num_res_blocks"), temporal, latents);
    }

    /// <summary>The tokenizer_t5style model: ids per prompt, special ids and the trained vocabulary size.</summary>
    public TokenizerSettings TokenizerSettings()
    {
        var special = Setting("special_ids");
        const string vocabularyFlag = "--vocab_size=";
        var vocabulary = Setting("spm_train_flags").EnumerateArray().Select(f => f.GetString()!)
            .Single(f => f.StartsWith(vocabularyFlag, StringComparison.Ordinal))[vocabularyFlag.Length..];
        var bos = special.GetProperty("bos");
        return new TokenizerSettings(
            Size("max_length"), special.GetProperty("pad").GetInt32(), special.GetProperty("eos").GetInt32(), special.GetProperty("unk").GetInt32(),
            bos.ValueKind == JsonValueKind.Null ? null : bos.GetInt32(), int.Parse(vocabulary, CultureInfo.InvariantCulture), Size("prompts"));
    }

    private void Require(bool condition, string what)
    {
        if (!condition)
        {
            throw new NotSupportedException($"{Path}: the tests need {what}");
        }
    }
}

/// <summary>What the tokenizer fixture's manifest states about its SentencePiece model and prompts.</summary>
/// <param name="BeginningOfSentenceId">Null where the model has none.</param>
public sealed record TokenizerSettings(int MaxLength, int PadId, int EndOfSentenceId, int UnknownId, int? BeginningOfSentenceId, int VocabularySize, int Prompts);
