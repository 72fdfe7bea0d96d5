using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using TurboDiffusion.Farm.Options;
using TurboDiffusion.Gateway.Options;

namespace TurboDiffusion.Gateway.Tests.Options;

public sealed class KeylessAccessTests
{
    private static readonly TurboHttpOptions Loopback = TurboHttpOptions.Parse("http://127.0.0.1:8480");
    private static readonly TurboHttpOptions Network = TurboHttpOptions.Parse("http://0.0.0.0:8480");

    [Fact]
    public void Without_keys_a_loopback_gateway_is_open_to_this_machine()
    {
        Assert.True(KeylessAccess.Allowed(Settings(), Loopback));
    }

    [Fact]
    public void Without_keys_a_gateway_on_the_network_refuses_to_start_naming_both_ways_out()
    {
        var e = Assert.Throws<OptionsValidationException>(() => KeylessAccess.Allowed(Settings(), Network));

        Assert.Contains("http://0.0.0.0:8480", e.Message, StringComparison.Ordinal);
        Assert.Contains("Turbo:Gateway:AdminKey", e.Message, StringComparison.Ordinal);
        Assert.Contains("Turbo:Gateway:Anonymous=true", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_explicit_anonymous_setting_opens_a_gateway_on_the_network()
    {
        Assert.True(KeylessAccess.Allowed(Settings(("Turbo:Gateway:Anonymous", "true")), Network));
    }

    [Theory]
    [InlineData("Turbo:Gateway:AdminKey", "operator-secret")]
    [InlineData("Turbo:Gateway:ApiKeys:0:Tenant", "studio")]
    public void With_keys_the_gateway_asks_for_them_on_any_address(string key, string value)
    {
        Assert.False(KeylessAccess.Allowed(Settings((key, value)), Network));
        Assert.False(KeylessAccess.Allowed(Settings((key, value)), Loopback));
    }

    [Fact]
    public void An_anonymous_setting_that_is_not_a_boolean_is_refused()
    {
        var e = Assert.Throws<OptionsValidationException>(() => KeylessAccess.Allowed(Settings(("Turbo:Gateway:Anonymous", "yes")), Network));

        Assert.Contains("must be true or false", e.Message, StringComparison.Ordinal);
    }

    private static IConfiguration Settings(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();
}
