using TurboDiffusion.Gateway.Options;

namespace TurboDiffusion.Gateway.Tests.Options;

public sealed class GatewayOptionsValidatorTests
{
    [Theory]
    [InlineData("http://farm.example")]
    [InlineData("farm.example:8480")]
    [InlineData("")]
    public void An_anonymous_host_that_is_not_a_bare_name_is_refused_naming_the_setting(string entry)
    {
        var result = new GatewayOptionsValidator().Validate(null, new GatewayOptions { Anonymous = true, AnonymousHosts = [entry] });

        Assert.True(result.Failed);
        Assert.Contains("AnonymousHosts", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("farm.example")]
    [InlineData("10.0.0.5")]
    [InlineData("[fd00::5]")]
    [InlineData("*")]
    public void Names_addresses_and_the_wildcard_are_anonymous_hosts(string entry) =>
        Assert.True(new GatewayOptionsValidator().Validate(null, new GatewayOptions { Anonymous = true, AnonymousHosts = [entry] }).Succeeded);
}
