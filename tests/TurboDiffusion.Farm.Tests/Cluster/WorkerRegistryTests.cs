using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Farm.Tests.Support;
using TurboDiffusion.Silo.Simulation;

namespace TurboDiffusion.Farm.Tests.Cluster;

/// <summary>The worker registry follows cluster membership, not only the age of reports.</summary>
[Collection(MultiSiloGroup.Name)]
public sealed class WorkerRegistryTests
{
    [Fact]
    public async Task A_killed_workers_entry_leaves_the_registry_once_membership_declares_its_silo_dead()
    {
        // Reports would keep a silent worker listed for three lease durations (30 s here); membership declares it dead in seconds.
        await using var farm = await TestFarm.StartAsync(3, _ => new SimulatedVideoEngine(), new Dictionary<string, string?> { ["Turbo:Lease:Duration"] = "00:00:10" });
        var registry = farm.Client.GetGrain<IWorkerRegistryGrain>("default");
        await TestFarm.WaitUntilAsync(async () => (await registry.List()).Length == 3, "all three workers to report");
        var registryHost = await RegistryHostAsync(farm);
        var doomed = farm.Cluster.Silos.First(s => s.SiloAddress.ToParsableString() != registryHost);

        await farm.Cluster.KillSiloAsync(doomed, TestContext.Current.CancellationToken);
        var killedAt = DateTime.UtcNow;
        await TestFarm.WaitUntilAsync(async () => (await registry.List()).All(w => w.WorkerId != doomed.Name), "the killed worker to leave the registry", seconds: 8);

        Assert.Equal(registryHost, await RegistryHostAsync(farm));
        Assert.True(DateTime.UtcNow - killedAt < TimeSpan.FromSeconds(8));
        Assert.Equal(2, (await registry.List()).Length);
    }

    private static async Task<string> RegistryHostAsync(TestFarm farm)
    {
        var statistics = await farm.Client.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics();
        return statistics.Single(s => s.GrainId.Type.ToString()!.Contains("workerregistry", StringComparison.OrdinalIgnoreCase) && s.GrainId.Key.ToString() == "default")
            .SiloAddress.ToParsableString();
    }
}
