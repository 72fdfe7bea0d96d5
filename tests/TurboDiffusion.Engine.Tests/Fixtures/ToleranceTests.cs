namespace TurboDiffusion.Engine.Tests.Fixtures;

public sealed class ToleranceTests
{
    private const string PerKind = "max_abs <= 1e-14 (schedule) / 1e-12 (trajectories)";

    [Fact]
    public void Reads_max_abs_and_rel_l2_bounds()
    {
        var tolerance = Tolerance.Parse("max_abs <= 5e-5 and rel_l2 <= 5e-6");

        Assert.Equal(5e-5, tolerance.MaxAbs);
        Assert.Equal(5e-6, tolerance.RelL2);
    }

    [Theory]
    [InlineData("schedule", 1e-14)]
    [InlineData("trajectories", 1e-12)]
    public void Per_kind_bounds_are_picked_by_kind(string kind, double expected)
    {
        var tolerance = Tolerance.Parse(PerKind, kind);

        Assert.Equal(expected, tolerance.MaxAbs);
        Assert.Null(tolerance.RelL2);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("layers")]
    public void Per_kind_bounds_without_a_known_kind_are_refused(string? kind)
    {
        var error = Assert.Throws<FormatException>(() => Tolerance.Parse(PerKind, kind));

        Assert.Contains("schedule, trajectories", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_parenthesis_after_a_single_bound_is_a_note_not_a_kind()
    {
        var tolerance = Tolerance.Parse("max_abs <= 5e-5, rel_l2 <= 1e-5 (official code in float32: decode 3.5-4.4e-6 / 1.1-1.4e-6, encode 1.1e-6 / 4.4e-7)");

        Assert.Equal(5e-5, tolerance.MaxAbs);
        Assert.Equal(1e-5, tolerance.RelL2);
    }

    [Theory]
    [InlineData("exact")]
    [InlineData("exact (inputs were drawn with clear top-k margins; official bf16 and float64 selections agree)")]
    public void Exact_means_no_difference(string text)
    {
        Assert.Equal(0.0, Tolerance.Parse(text).MaxAbs);
    }

    [Theory]
    [InlineData("relative 1e-6")]
    [InlineData("1e-6 relative for a float64 implementation")]
    public void Relative_is_a_rel_l2_bound_before_or_after_its_value(string text)
    {
        var tolerance = Tolerance.Parse(text);

        Assert.Equal(1e-6, tolerance.RelL2);
        Assert.Null(tolerance.MaxAbs);
    }

    [Fact]
    public void Exact_inside_a_sentence_is_not_a_bound()
    {
        Assert.Throws<FormatException>(() => Tolerance.Parse("bit-exact is not promised"));
    }

    [Fact]
    public void Text_without_a_bound_is_refused()
    {
        Assert.Throws<FormatException>(() => Tolerance.Parse("close enough"));
    }
}
