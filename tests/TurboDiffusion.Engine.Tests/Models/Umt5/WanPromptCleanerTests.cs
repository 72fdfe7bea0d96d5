using TurboDiffusion.Engine.Models.Umt5;

namespace TurboDiffusion.Engine.Tests.Models.Umt5;

public sealed class WanPromptCleanerTests
{
    private readonly TokenizerFixture fixture = TokenizerFixture.Instance;

    [Theory]
    [MemberData(nameof(TokenizerFixture.PromptIndices), MemberType = typeof(TokenizerFixture))]
    public void Cleaning_gives_the_reference_text(int index)
    {
        var expected = fixture.Prompts[index];

        Assert.Equal(expected.Cleaned, WanPromptCleaner.Clean(expected.Raw));
    }

    [Fact]
    public void The_fixture_needs_the_ftfy_fixes_for_six_prompts()
    {
        var changed = fixture.Prompts.Count(p => p.Cleaned != p.CleanedWithoutFtfy);

        Assert.Equal(6, changed);
    }

    [Theory]
    [InlineData("  a\u00A0\u00A0b\u3000c\u2029d\te  ", "a b c d e")]
    [InlineData("zero\u200Bwidth", "zero\u200Bwidth")]
    [InlineData("&amp;lt;b&amp;gt;", "<b>")]
    public void White_space_is_collapsed_and_html_unescaped_twice(string prompt, string expected)
    {
        Assert.Equal(expected, WanPromptCleaner.Clean(prompt));
    }
}
