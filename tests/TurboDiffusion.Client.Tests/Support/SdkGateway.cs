using TurboDiffusion.Gateway.Tests.Support;

namespace TurboDiffusion.Client.Tests.Support;

/// <summary>One real gateway (silo, simulated worker, Kestrel on loopback) for the SDK tests; batch parts of 100 items.</summary>
public sealed class SdkGateway : IAsyncLifetime
{
    public static readonly string[] Tenants = ["sdk-a", "sdk-b", "sdk-c", "sdk-d", "sdk-e", "sdk-f", "sdk-g"];

    private GatewayHost? host;

    public GatewayHost Host => host ?? throw new InvalidOperationException("The gateway has not started.");

    public async ValueTask InitializeAsync() =>
        host = await GatewayHost.StartAsync(Tenants, settings: new Dictionary<string, string?> { ["Turbo:Gateway:BatchPartSize"] = "100" });

    public async ValueTask DisposeAsync()
    {
        if (host is not null)
        {
            await host.DisposeAsync();
        }
    }

    public TurboFarmClient Client(string tenant, HttpMessageHandler? handler = null)
    {
        var options = new TurboClientOptions { BaseAddress = Host.BaseAddress, ApiKey = GatewayHost.KeyOf(tenant), RetryDelay = TimeSpan.FromMilliseconds(20) };
        return handler is null ? new TurboFarmClient(options) : new TurboFarmClient(new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan }, options);
    }
}

[CollectionDefinition(Name)]
public sealed class SdkGatewayGroup : ICollectionFixture<SdkGateway>
{
    public const string Name = "sdk gateway";
}
