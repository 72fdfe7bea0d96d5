using TurboDiffusion.Engine.Models.Umt5;
using TurboDiffusion.Engine.Text;

namespace TurboDiffusion.Engine.Tests.Text;

public sealed class BuiltInVocabularyTests
{
    [Fact]
    public void Tokenizes_words_into_characters_with_boundaries_then_eos_and_padding()
    {
        var tokenizer = Umt5Tokenizer.Load(BuiltInVocabulary.Create(Umt5Config.Tiny.VocabSize), "built-in", textLength: 12);

        var tokens = tokenizer.Tokenize("a  cat");

        Assert.Equal(0, tokenizer.PadId);
        Assert.Equal(1, tokenizer.EndOfSentenceId);
        var ids = tokens.InputIds.ToArray();
        var boundary = 3;
        int Char(char c) => 4 + (c - 33);
        Assert.Equal([boundary, Char('a'), boundary, Char('c'), Char('a'), Char('t'), tokenizer.EndOfSentenceId, 0, 0, 0, 0, 0], ids);
        Assert.Equal([1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0], tokens.AttentionMask);
    }

    [Fact]
    public void Characters_outside_the_vocabulary_become_unknown()
    {
        var tokenizer = Umt5Tokenizer.Load(BuiltInVocabulary.Create(Umt5Config.Tiny.VocabSize), "built-in", textLength: 6);

        var ids = tokenizer.Tokenize("猫").InputIds.ToArray();

        Assert.Contains(tokenizer.UnknownId, ids);
    }
}
