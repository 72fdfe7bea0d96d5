using Microsoft.Extensions.Configuration;
using TurboDiffusion.Cli.Configuration;
using TurboDiffusion.Engine;
using TurboDiffusion.Engine.Pipelines;

namespace TurboDiffusion.Cli.Tests.Configuration;

public sealed class AttentionSettingsTests
{
    [Fact]
    public void Without_options_or_settings_the_engine_runs_auto_at_a_tenth()
    {
        var options = AttentionSettings.Resolve(Settings());

        Assert.Equal(DitAttentionOptions.Default, options);
        Assert.Equal((DitAttentionMode.Auto, 0.1), (options.Mode, options.TopK));
    }

    [Fact]
    public void Settings_are_read_in_any_case_and_the_options_win_over_them()
    {
        var settings = Settings(("Turbo:Engine:Attention", "SageSLA"), ("Turbo:Engine:TopK", "0.15"));

        var fromSettings = AttentionSettings.Resolve(settings);
        var fromOptions = AttentionSettings.Resolve(settings, "dense", 0.5);

        Assert.Equal((DitAttentionMode.SageSla, 0.15), (fromSettings.Mode, fromSettings.TopK));
        Assert.Equal((DitAttentionMode.Dense, 0.5), (fromOptions.Mode, fromOptions.TopK));
    }

    [Theory]
    [InlineData("Turbo:Engine:Attention", "1", "Turbo:Engine:Attention must be one of auto, dense, sla, sagesla; got '1'.")]
    [InlineData("Turbo:Engine:TopK", "NaN", "Turbo:Engine:TopK must be a number in (0, 1] (0.1 by default, 0.15 recommended); got 'NaN'.")]
    [InlineData("Turbo:Engine:TopK", "0,15", "got '0,15'")]
    public void A_bad_setting_is_refused_naming_the_key_and_the_allowed_values(string key, string value, string expected)
    {
        var error = Assert.Throws<FormatException>(() => AttentionSettings.Resolve(Settings((key, value))));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    private static IConfigurationRoot Settings(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build();
}
