using System.Globalization;
using System.Net;
using Microsoft.Extensions.Configuration;
using TurboDiffusion.Cli.Commands;
using TurboDiffusion.Cli.Farm;
using TurboDiffusion.Silo.Simulation;

namespace TurboDiffusion.Cli.Tests.Commands;

public sealed class SiloCommandTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("silo-drain-").FullName;

    [Fact]
    public async Task Silo_drain_stops_the_worker_taking_jobs_and_fails_its_readiness()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Turbo:Artifacts:Directory"] = Path.Combine(directory, "artifacts"),
            ["Turbo:Worker:WorkDirectory"] = Path.Combine(directory, "work"),
        }).Build();
        await using var farm = await FarmHost.StartAsync(configuration, new FarmHostSettings(FarmRole.Silo, () => new SimulatedVideoEngine(), 0, FreeClusterPorts: true), TestContext.Current.CancellationToken);
        using var http = new HttpClient { BaseAddress = farm.Address };
        await EventuallyAsync(async () => (await http.GetAsync(new Uri("health/ready", UriKind.Relative), TestContext.Current.CancellationToken)).StatusCode == HttpStatusCode.OK);

        var (exitCode, output) = CliHarness.Run("silo", "drain", "--url", farm.Address.ToString(), "--wait");
        var ready = await http.GetAsync(new Uri("health/ready", UriKind.Relative), TestContext.Current.CancellationToken);

        Assert.Equal(0, exitCode);
        Assert.Contains("drained: the worker at", output, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Contains("draining", await ready.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public void Silo_drain_with_no_silo_listening_exits_1_saying_so()
    {
        var port = LoopbackPorts.Take(1)[0].ToString(CultureInfo.InvariantCulture);

        var (exitCode, output) = CliHarness.Run("silo", "drain", "--url", $"http://127.0.0.1:{port}/");

        Assert.Equal(SiloCommand.DrainFailed, exitCode);
        Assert.Contains($"no silo answered at http://127.0.0.1:{port}/", output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_silo_whose_worker_name_is_not_a_host_name_exits_2_naming_the_setting()
    {
        var (exitCode, output) = CliHarness.RunWith(new Dictionary<string, string?>
        {
            ["Turbo:Worker:Name"] = "silo a",
            ["Turbo:Http:Urls"] = "http://127.0.0.1:0",
        }, "silo");

        Assert.Equal(FarmCommand.BadSettings, exitCode);
        Assert.Contains("Turbo:Worker:Name 'silo a' is not a worker name", output, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);

    private static async Task EventuallyAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the silo did not become ready within 60 s");
            await Task.Delay(100);
        }
    }
}
