using System.Text.Json;
using TurboDiffusion.Engine.Text;
using TurboDiffusion.Engine.Tests.Fixtures;

namespace TurboDiffusion.Engine.Tests.Text;

/// <summary>The <c>tokenizer_t5style</c> fixture: a T5-style <c>spiece.model</c>, what its manifest states about it, and prompts with their reference ids.</summary>
internal sealed class TokenizerFixture
{
    private static readonly Lazy<TokenizerFixture> Shared = new(() => new TokenizerFixture(GoldenFixture.Open("tokenizer_t5style")));

    private TokenizerFixture(GoldenFixture golden)
    {
        Golden = golden;
        Settings = golden.Manifest.TokenizerSettings();
        using var document = JsonDocument.Parse(File.ReadAllBytes(golden.PathOf("expected.json")));
        Prompts = document.RootElement.GetProperty("prompts").EnumerateArray().Select(ExpectedPrompt.Read).ToList();
        Tokenizer = Umt5Tokenizer.Load(ModelPath, MaxLength);
    }

    public static TokenizerFixture Instance => Shared.Value;

    public GoldenFixture Golden { get; }

    public string ModelPath => Golden.PathOf("spiece.model");

    public TokenizerSettings Settings { get; }

    /// <summary>Ids per prompt: pieces truncated to one less, then EOS, then padding.</summary>
    public int MaxLength => Settings.MaxLength;

    public IReadOnlyList<ExpectedPrompt> Prompts { get; }

    public Umt5Tokenizer Tokenizer { get; }

    public static TheoryData<int> PromptIndices() => new(Enumerable.Range(0, Instance.Prompts.Count));
}

/// <summary>One prompt of <c>expected.json</c>.</summary>
internal sealed record ExpectedPrompt(
    string Raw,
    string Cleaned,
    string CleanedWithoutFtfy,
    bool FtfyChangesResult,
    int[] SpmIdsRawText,
    int[] SpmIdsCleaned,
    int[] InputIds,
    int[] AttentionMask)
{
    public static ExpectedPrompt Read(JsonElement prompt) => new(
        prompt.GetProperty("raw").GetString()!,
        prompt.GetProperty("cleaned").GetString()!,
        prompt.GetProperty("cleaned_without_ftfy").GetString()!,
        prompt.GetProperty("ftfy_changes_result").GetBoolean(),
        Ints(prompt, "spm_ids_raw_text"),
        Ints(prompt, "spm_ids_cleaned"),
        Ints(prompt, "input_ids"),
        Ints(prompt, "attention_mask"));

    private static int[] Ints(JsonElement prompt, string name) => prompt.GetProperty(name).EnumerateArray().Select(e => e.GetInt32()).ToArray();
}
