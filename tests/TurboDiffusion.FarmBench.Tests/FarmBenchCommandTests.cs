using System.CommandLine;
using System.Text.Json;
using Microsoft.Extensions.Configuration;

namespace TurboDiffusion.FarmBench.Tests;

/// <summary>The farm benchmark end to end on two in-process silos.</summary>
public sealed class FarmBenchCommandTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("bench-").FullName;

    [Fact]
    public async Task Bench_farm_prints_its_table_and_writes_json_with_every_job_succeeded_and_the_kill_timed()
    {
        var json = Path.Combine(directory, "farm.json");
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Turbo:Lease:Duration"] = "00:00:03",
            ["Turbo:Worker:HeartbeatInterval"] = "00:00:00.500",
            ["Turbo:Worker:ReportInterval"] = "00:00:01",
        }).Build();

        var (exitCode, output) = await RunAsync(configuration, "--silos", "2", "--jobs", "40", "--kills", "1", "--json", json);

        Assert.True(exitCode == 0, output);
        Assert.Contains("turbo-farm-bench", output);
        Assert.Contains("2 silos, 40 jobs", output);
        Assert.Contains("kill Silo_", output);
        using var result = JsonDocument.Parse(await File.ReadAllTextAsync(json, TestContext.Current.CancellationToken));
        Assert.Equal(40, result.RootElement.GetProperty("succeeded").GetInt32());
        Assert.True(result.RootElement.GetProperty("submissionsPerSecond").GetDouble() > 0);
        Assert.Equal(40, result.RootElement.GetProperty("leaseCall").GetProperty("count").GetInt32());
        var kill = Assert.Single(result.RootElement.GetProperty("kills").EnumerateArray());
        // Worst case: the lease runs out 3 s after the last heartbeat (at most at the kill), then the scheduler's
        // next sweep (every 1 s by default) requeues it; half a second more for timer slack on a busy machine.
        Assert.InRange(kill.GetProperty("requeueSeconds").GetDouble(), 0, 3 + 1 + 0.5);
    }

    [Fact]
    public async Task Bench_farm_refuses_to_kill_every_silo()
    {
        var (exitCode, output) = await RunAsync(new ConfigurationBuilder().Build(), "--silos", "2", "--kills", "2");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("--kills must be between 0 and --silos - 1 (1)", output);
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);

    private static async Task<(int ExitCode, string Output)> RunAsync(IConfigurationRoot configuration, params string[] args)
    {
        var output = new StringWriter();

        var exitCode = await FarmBenchCommand.Create(() => configuration).Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = output }, TestContext.Current.CancellationToken);

        return (exitCode, output.ToString());
    }
}
