using TurboDiffusion.Engine.Text;

namespace TurboDiffusion.Engine.Tests.Text;

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
    public void The_prompts_the_fixture_marks_as_changed_by_ftfy_are_those_the_fixes_decide()
    {
        var marked = Enumerable.Range(0, fixture.Prompts.Count).Where(i => fixture.Prompts[i].FtfyChangesResult).ToList();

        var changed = Enumerable.Range(0, fixture.Prompts.Count).Where(i => WanPromptCleaner.Clean(fixture.Prompts[i].Raw) != fixture.Prompts[i].CleanedWithoutFtfy);

        Assert.NotEmpty(marked);
        Assert.Equal(marked, changed);
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
