namespace TurboDiffusion.Gateway.Tests.Support;

/// <summary>One gateway host for the API contract tests; each test keeps to its own tenant so listings never overlap.</summary>
public sealed class SharedGateway : IAsyncLifetime
{
    public static readonly string[] Tenants = ["studio-a", "studio-b", "lister", "watcher", "batcher", "streamer", "canceler"];

    private GatewayHost? host;

    public GatewayHost Host => host ?? throw new InvalidOperationException("The shared gateway has not started.");

    /// <summary>A prompt containing this makes the simulated engine hang until the job is canceled.</summary>
    public const string HangMarker = "[hang]";

    public async ValueTask InitializeAsync()
    {
        var engine = new Silo.Simulation.SimulatedVideoEngine
        {
            StepTime = TimeSpan.FromMilliseconds(50),
            Behavior = (request, _) => request.Prompt.Contains(HangMarker, StringComparison.Ordinal) ? Silo.Simulation.SimulatedBehavior.Hang : Silo.Simulation.SimulatedBehavior.Succeed,
        };
        host = await GatewayHost.StartAsync(Tenants, engine, new Dictionary<string, string?> { ["Turbo:Gateway:BatchPartSize"] = "100" });
    }

    public async ValueTask DisposeAsync()
    {
        if (host is not null)
        {
            await host.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class SharedGatewayGroup : ICollectionFixture<SharedGateway>
{
    public const string Name = "shared gateway";
}
