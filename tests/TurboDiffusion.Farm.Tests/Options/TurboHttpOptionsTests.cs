using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using TurboDiffusion.Farm.Options;

namespace TurboDiffusion.Farm.Tests.Options;

public sealed class TurboHttpOptionsTests
{
    [Theory]
    [InlineData("http://127.0.0.1:8480", true)]
    [InlineData("http://localhost:8480", true)]
    [InlineData("http://[::1]:8480", true)]
    [InlineData("http://127.0.0.1:8480;http://[::1]:8481", true)]
    [InlineData("http://0.0.0.0:8480", false)]
    [InlineData("http://+:8480", false)]
    [InlineData("http://*:8480", false)]
    [InlineData("http://10.1.2.3:8480", false)]
    [InlineData("http://127.0.0.1:8480;http://0.0.0.0:8481", false)]
    public void Only_addresses_all_on_loopback_count_as_this_machine_only(string urls, bool loopbackOnly)
    {
        Assert.Equal(loopbackOnly, TurboHttpOptions.Parse(urls).LoopbackOnly);
    }

    [Fact]
    public void Kestrel_wildcards_are_served_as_every_interface()
    {
        Assert.Equal(["http://0.0.0.0:8480", "http://0.0.0.0:8481"], TurboHttpOptions.Parse("http://+:8480; http://*:8481").ServerUrls);
    }

    [Theory]
    [InlineData("8480")]
    [InlineData("https://0.0.0.0:8480")]
    [InlineData("http://0.0.0.0:8480/api")]
    [InlineData(" ; ")]
    public void An_address_that_cannot_be_listened_on_is_refused_naming_the_setting(string urls)
    {
        var e = Assert.Throws<OptionsValidationException>(() => TurboHttpOptions.Parse(urls));

        Assert.Contains(TurboHttpOptions.UrlsKey, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_setting_wins_over_the_process_default()
    {
        var configured = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [TurboHttpOptions.UrlsKey] = "http://10.0.0.5:9000" }).Build();
        var unset = new ConfigurationBuilder().Build();

        Assert.Equal(["http://10.0.0.5:9000"], TurboHttpOptions.Read(configured, "http://0.0.0.0:8481").ServerUrls);
        Assert.Equal(["http://0.0.0.0:8481"], TurboHttpOptions.Read(unset, "http://0.0.0.0:8481").ServerUrls);
    }
}
