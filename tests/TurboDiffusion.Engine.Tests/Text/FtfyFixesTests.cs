using TurboDiffusion.Engine.Text;

namespace TurboDiffusion.Engine.Tests.Text;

public sealed class FtfyFixesTests
{
    [Theory]
    [InlineData("caf\u00C3\u00A9", "caf\u00E9")]
    [InlineData("\u00E2\u0153\u201D No problems", "\u2714 No problems")]
    [InlineData("\u00AF\\_(\u00E3\u0083\u0084)_/\u00AF", "\u00AF\\_(\u30C4)_/\u00AF")]
    [InlineData("The Mona Lisa doesn\u00C3\u0192\u00C2\u00A2\u00C3\u00A2\u00E2\u20AC\u0161\u00C2\u00AC\u00C3\u00A2\u00E2\u20AC\u017E\u00C2\u00A2t have eyebrows.", "The Mona Lisa doesn't have eyebrows.")]
    public void Utf8_read_as_windows_1252_is_repaired_even_when_layered(string text, string expected)
    {
        Assert.Equal(expected, FtfyFixes.Fix(text));
    }

    [Theory]
    [InlineData("na\u00EFve fa\u00E7ade, Stra\u00DFe, \u00A9 \u00BD \u00C3 alone")]
    [InlineData("\u4E2D\u6587 \uD83C\uDFAC")]
    [InlineData("zero\u200Bwidth soft\u00ADhyphen")]
    public void Clean_text_is_left_alone(string text)
    {
        Assert.Equal(text, FtfyFixes.Fix(text));
    }

    [Theory]
    [InlineData("\uFF2C\uFF2F\uFF35\uFF24\u3000\uFF2E\uFF2F\uFF29\uFF33\uFF25\uFF33", "LOUD NOISES")]
    [InlineData("\uFF76\uFF80\uFF76\uFF85", "\u30AB\u30BF\u30AB\u30CA")]
    [InlineData("\uFB01 \uFB03 \u01C6", "fi ffi d\u017E")]
    [InlineData("\u201CCurly\u201D \u2018single\u2019 \u201Elow\u201F", "\"Curly\" 'single' \"low\"")]
    [InlineData("Control\u0007char \u001B[1;31mred\u001B[0m \uFEFFtext", "Controlchar red text")]
    [InlineData("a\r\nb\u2028c", "a\nb\nc")]
    public void Character_fixes_follow_ftfy(string text, string expected)
    {
        Assert.Equal(expected, FtfyFixes.Fix(text));
    }

    [Fact]
    public void Entities_are_unescaped_until_none_is_left()
    {
        Assert.Equal("Tom & Jerry", FtfyFixes.Fix("Tom &amp;amp;amp; Jerry"));
    }

    [Fact]
    public void A_literal_angle_bracket_stops_entity_unescaping_from_its_line_on()
    {
        var fixedText = FtfyFixes.Fix("a &amp; b\n<i>&amp;</i>\nc &amp; d");

        Assert.Equal("a & b\n<i>&amp;</i>\nc &amp; d", fixedText);
    }
}
