using Microsoft.Extensions.Configuration;
using TurboDiffusion.Cli.Configuration;
using TurboDiffusion.Engine.Pipelines;

namespace TurboDiffusion.Cli.Tests.Configuration;

public sealed class LinearsSettingsTests
{
    [Fact]
    public void Without_an_option_or_a_setting_the_linears_are_auto()
    {
        Assert.Equal(DitLinears.Auto, LinearsSettings.Resolve(Settings()));
    }

    [Fact]
    public void The_setting_is_read_in_any_case_and_the_option_wins_over_it()
    {
        var settings = Settings(("Turbo:Engine:Linears", " INT8 "));

        Assert.Equal(DitLinears.Int8, LinearsSettings.Resolve(settings));
        Assert.Equal(DitLinears.Bf16, LinearsSettings.Resolve(settings, "bf16"));
    }

    [Theory]
    [InlineData("fp8")]
    [InlineData("int4")]
    public void An_unknown_setting_is_refused_naming_the_key_and_every_allowed_value(string value)
    {
        var error = Assert.Throws<FormatException>(() => LinearsSettings.Resolve(Settings(("Turbo:Engine:Linears", value))));

        Assert.Equal($"Turbo:Engine:Linears must be one of auto, bf16, int8; got '{value}'.", error.Message);
    }

    [Fact]
    public void An_unknown_option_value_fails_the_command_listing_the_allowed_ones()
    {
        var (exitCode, output) = CliHarness.Run("generate", "a cat", "--linears", "fp8");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("--linears must be one of auto, bf16, int8; got 'fp8'.", output, StringComparison.Ordinal);
    }

    private static IConfigurationRoot Settings(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build();
}
