using TurboDiffusion.Engine.Text;

namespace TurboDiffusion.Engine.Tests.Text;

public sealed class Umt5TokenizerTests
{
    private readonly TokenizerFixture fixture = TokenizerFixture.Instance;

    [Theory]
    [MemberData(nameof(TokenizerFixture.PromptIndices), MemberType = typeof(TokenizerFixture))]
    public void Raw_prompts_give_the_reference_ids_and_mask(int index)
    {
        var expected = fixture.Prompts[index];

        var tokenized = fixture.Tokenizer.Tokenize(expected.Raw);

        Assert.Equal(expected.Cleaned, tokenized.Cleaned);
        Assert.Equal(expected.InputIds, tokenized.InputIds);
        Assert.Equal(expected.AttentionMask, tokenized.AttentionMask);
    }

    [Theory]
    [MemberData(nameof(TokenizerFixture.PromptIndices), MemberType = typeof(TokenizerFixture))]
    public void Pieces_of_the_cleaned_text_equal_spm_encode(int index)
    {
        var expected = fixture.Prompts[index];

        var pieces = fixture.Tokenizer.Pieces(expected.Cleaned);

        Assert.Equal(expected.SpmIdsCleaned, pieces);
    }

    [Theory]
    [MemberData(nameof(TokenizerFixture.PromptIndices), MemberType = typeof(TokenizerFixture))]
    public void Pieces_of_the_raw_text_equal_spm_encode_control_characters_and_unknown_runs_included(int index)
    {
        var expected = fixture.Prompts[index];

        var pieces = fixture.Tokenizer.Pieces(expected.Raw);

        Assert.Equal(expected.SpmIdsRawText, pieces);
    }

    [Fact]
    public void The_model_reports_the_special_ids_and_piece_count_it_was_trained_with()
    {
        var tokenizer = fixture.Tokenizer;
        var trained = fixture.Settings;

        Assert.Equal((trained.PadId, trained.EndOfSentenceId, trained.UnknownId), (tokenizer.PadId, tokenizer.EndOfSentenceId, tokenizer.UnknownId));
        Assert.Equal(trained.VocabularySize, tokenizer.PieceCount);
        Assert.Equal(fixture.MaxLength, tokenizer.TextLength);
        Assert.Equal(trained.Prompts, fixture.Prompts.Count);
    }

    [Fact]
    public void The_empty_prompt_is_eos_then_padding()
    {
        var tokenized = fixture.Tokenizer.Tokenize("  \t ");

        Assert.Equal(1, tokenized.Length);
        Assert.Equal([fixture.Settings.EndOfSentenceId], tokenized.Tokens);
        Assert.All(tokenized.InputIds.Skip(1), id => Assert.Equal(fixture.Settings.PadId, id));
    }

    [Fact]
    public void Long_prompts_keep_text_length_minus_one_pieces_then_eos()
    {
        var prompt = string.Join(' ', Enumerable.Repeat("the quick brown fox", fixture.MaxLength));
        var pieces = fixture.Tokenizer.Pieces(prompt);

        var tokenized = fixture.Tokenizer.Tokenize(prompt);

        Assert.True(pieces.Count > fixture.MaxLength, $"the prompt has {pieces.Count} pieces, not more than {fixture.MaxLength}");
        Assert.Equal(fixture.MaxLength, tokenized.Length);
        Assert.Equal(pieces.Take(fixture.MaxLength - 1).Append(fixture.Settings.EndOfSentenceId), tokenized.InputIds);
    }

    [Fact]
    public void A_file_that_is_not_a_sentencepiece_model_is_refused_naming_it()
    {
        var path = Path.Combine(fixture.Golden.Directory, "expected.json");

        var error = Assert.Throws<InvalidDataException>(() => Umt5Tokenizer.Load(path));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string> Corruptions => new() { "random bytes", "truncated", "a piece overwritten", "a piece length overstated" };

    [Theory]
    [MemberData(nameof(Corruptions))]
    public void A_corrupt_model_is_refused_naming_the_file_and_the_problem(string corruption)
    {
        var directory = Directory.CreateTempSubdirectory("spiece-").FullName;
        try
        {
            var path = Path.Combine(directory, "spiece.model");
            File.WriteAllBytes(path, Corrupt(File.ReadAllBytes(fixture.ModelPath), corruption));

            var error = Assert.Throws<InvalidDataException>(() => Umt5Tokenizer.Load(path));

            Assert.StartsWith($"{path}: ", error.Message, StringComparison.Ordinal);
            Assert.Contains("SentencePiece model", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static byte[] Corrupt(byte[] model, string corruption)
    {
        switch (corruption)
        {
            case "random bytes":
                var noise = new byte[4096];
                new Random(7).NextBytes(noise);
                return noise;
            case "truncated":
                return model[..(model.Length / 2)];
            case "a piece overwritten":
                // The first piece's message starts at byte 2 (after its tag and one-byte length): garble its fields.
                var garbled = (byte[])model.Clone();
                Array.Fill(garbled, (byte)0xFF, 2, 8);
                return garbled;
            default:
                var overstated = (byte[])model.Clone();
                overstated[3] = 0x7F;
                return overstated;
        }
    }
}
