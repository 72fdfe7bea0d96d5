using TurboDiffusion.Engine.Text;

namespace TurboDiffusion.Engine.Tests.Text;

public sealed class PythonHtmlTests
{
    // Expected values are CPython 3 html.unescape's output for the same input.
    [Theory]
    [InlineData("&amp;amp;", "&amp;")]
    [InlineData("&#128;&#x81;", "\u20AC\u0081")]
    [InlineData("&#0;|&#13;|&#7;|&#xD800;|&#99999999999999999999;|&#x110000;", "\uFFFD|\r||\uFFFD|\uFFFD|\uFFFD")]
    [InlineData("&ampx; &amp &copy2023 &notit; &notin;", "&x; & \u00A92023 \u00ACit; \u2209")]
    [InlineData("&NotAName; AT&T R&D", "&NotAName; AT&T R&D")]
    [InlineData("&#65&#x42;C", "ABC")]
    [InlineData("&COPY; &AMP &EACUTE;", "\u00A9 & &EACUTE;")]
    [InlineData("&#xFFFE;x&#x1FFFF;y", "xy")]
    [InlineData("&lt;b&gt;", "<b>")]
    public void Unescape_decodes_as_python_html_unescape(string text, string expected)
    {
        Assert.Equal(expected, PythonHtml.Unescape(text));
    }

    [Theory]
    [InlineData("&amp;amp;", "&amp;")]
    [InlineData("&EACUTE; &eacute;", "\u00C9 \u00E9")]
    [InlineData("&amp AT&T &#65", "&amp AT&T &#65")]
    [InlineData("&#12ab; &#x263A;", "&#12ab; \u263A")]
    public void UnescapeEntities_decodes_only_complete_references_and_upper_cased_names(string text, string expected)
    {
        Assert.Equal(expected, PythonHtml.UnescapeEntities(text));
    }
}
