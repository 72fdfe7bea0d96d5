using System.CommandLine;
using System.Text.Json;
using Microsoft.Extensions.Configuration;

namespace TurboDiffusion.FarmBench.Tests;

/// <summary>The farm benchmark end to end on two in-process silos.</summary>
public sealed class FarmBenchCommandTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("bench-").FullName;

    [Fact]
    public async Task Bench_farm_kills_silos_during_the_workload_replaces_them_and_audits_every_job()
    {
        var json = Path.Combine(directory, "farm.json");

        // Four kills with two silos: the replacements are what make this possible.
        var (exitCode, output) = await RunAsync(FastFailureDetection(), "--silos", "2", "--jobs", "60", "--kills", "4", "--kill-interval", "1.5", "--render-ms", "200", "--json", json);

        Assert.True(exitCode == 0, output);
        Assert.Contains("2 silos, 60 jobs of 200 ms", output);
        Assert.Contains("4 silos killed and replaced", output);
        using var result = JsonDocument.Parse(await File.ReadAllTextAsync(json, TestContext.Current.CancellationToken));
        var root = result.RootElement;
        Assert.Equal(60, root.GetProperty("succeeded").GetInt32());
        var audit = root.GetProperty("audit");
        Assert.Equal(60, audit.GetProperty("accepted").GetInt32());
        Assert.Equal(0, audit.GetProperty("lost").GetInt32());
        Assert.Equal(0, audit.GetProperty("duplicated").GetInt32());
        Assert.Equal(0, audit.GetProperty("artifactLess").GetInt32());
        var kills = root.GetProperty("kills");
        Assert.Equal(4, kills.GetProperty("kills").GetInt32());
        // Each kill picks a silo that holds a job, so the kills interrupt renders rather than idle workers.
        Assert.True(kills.GetProperty("interrupted").GetInt32() >= 1, output);
        // Worst case: the lease runs out 3 s after the last heartbeat (at most at the kill), then the scheduler's
        // next sweep (every 1 s by default) requeues it; a second more for timer slack on a busy machine.
        Assert.InRange(kills.GetProperty("requeue").GetProperty("maxMs").GetDouble(), 0, (3 + 1 + 1) * 1000);
        // The submissions are spread over the kills: the last one is accepted after most kills have happened.
        Assert.True(root.GetProperty("submitSeconds").GetDouble() >= 4, output);
    }

    [Fact]
    public async Task Bench_farm_counts_the_killed_attempts_that_went_on_from_a_step_checkpoint_and_the_seconds_they_saved()
    {
        var json = Path.Combine(directory, "farm.json");

        // 500 ms steps: a kill lands after the first saved step three times in four, so four kills all but surely resume one;
        // each resume saves one to four steps.
        var (exitCode, output) = await RunAsync(FastFailureDetection(), "--silos", "2", "--jobs", "10", "--kills", "4", "--kill-interval", "1.5", "--render-ms", "2000", "--json", json);

        Assert.True(exitCode == 0, output);
        using var result = JsonDocument.Parse(await File.ReadAllTextAsync(json, TestContext.Current.CancellationToken));
        var kills = result.RootElement.GetProperty("kills");
        var resumed = kills.GetProperty("resumed");
        var attempts = resumed.GetProperty("attempts").GetInt32();
        Assert.InRange(attempts, 1, kills.GetProperty("interrupted").GetInt32());
        Assert.InRange(resumed.GetProperty("gpuSeconds").GetDouble(), 0.45 * attempts, 2.2 * attempts);
        Assert.Contains($"resumed from a step checkpoint  {attempts} attempts", output);
        Assert.Equal(0, result.RootElement.GetProperty("audit").GetProperty("duplicated").GetInt32());
    }

    [Fact]
    public async Task Bench_farm_without_kills_reports_throughput_and_a_clean_audit()
    {
        var (exitCode, output) = await RunAsync(FastFailureDetection(), "--silos", "2", "--jobs", "40", "--kills", "0", "--render-ms", "0");

        Assert.True(exitCode == 0, output);
        Assert.Contains("completion", output);
        Assert.Contains("lost jobs                   0 of 40 accepted", output);
        Assert.DoesNotContain("requeue after a kill", output);
    }

    [Fact]
    public async Task Bench_farm_runs_each_switch_rule_on_its_own_cluster_and_compares_switches_throughput_and_wait()
    {
        var json = Path.Combine(directory, "rules.json");

        var (exitCode, output) = await RunAsync(FastFailureDetection(), "--silos", "2", "--jobs", "40", "--kills", "0", "--models", "2", "--render-ms", "40",
            "--load-seconds", "0.05", "0.2", "--switch-rule", "affinity", "priced", "--arrival-seconds", "2", "--json", json);

        Assert.True(exitCode == 0, output);
        Assert.Contains("loads model-0 0.05 s, model-1 0.2 s; switch rule affinity", output);
        Assert.Contains("switch rules compared", output);
        using var result = JsonDocument.Parse(await File.ReadAllTextAsync(json, TestContext.Current.CancellationToken));
        var runs = result.RootElement.EnumerateArray().ToList();
        Assert.Equal(["affinity", "priced"], runs.Select(r => r.GetProperty("settings").GetProperty("rule").GetString()));
        Assert.All(runs, run =>
        {
            Assert.Equal(40, run.GetProperty("succeeded").GetInt32());
            Assert.Equal(40, run.GetProperty("wait").GetProperty("count").GetInt32());
            Assert.Equal(100.0 * run.GetProperty("switches").GetInt32() / 40, run.GetProperty("switchesPer100Jobs").GetDouble(), 9);
        });
        // Spread over 2 s, the last submission is accepted no sooner.
        Assert.All(runs, run => Assert.True(run.GetProperty("submitSeconds").GetDouble() >= 1.9, output));
    }

    [Fact]
    public async Task Bench_farm_repeats_earlier_jobs_and_counts_those_answered_from_a_finished_render()
    {
        var json = Path.Combine(directory, "repeats.json");

        // One tenant and one model: a repeated job repeats the job just before it, 0.1 s earlier, long done by then.
        var (exitCode, output) = await RunAsync(FastFailureDetection(), "--silos", "2", "--jobs", "30", "--kills", "0", "--tenants", "1", "--models", "1",
            "--render-ms", "8", "--arrival-seconds", "3", "--repeats", "0.5", "--json", json);

        Assert.True(exitCode == 0, output);
        using var result = JsonDocument.Parse(await File.ReadAllTextAsync(json, TestContext.Current.CancellationToken));
        var run = result.RootElement;
        var repeated = new FarmBenchSettings(2, 30, 1, 1, 0, 64, BenchStore.Memory, TimeSpan.FromSeconds(1), TimeSpan.Zero, Repeats: 0.5).RepeatedJobs;
        var hits = run.GetProperty("renderOnce").GetProperty("hits").GetInt32();
        Assert.InRange(repeated, 5, 25);
        Assert.InRange(hits, 1, repeated);
        Assert.True(run.GetProperty("renderOnce").GetProperty("gpuSeconds").GetDouble() > 0, output);
        Assert.Equal(30, run.GetProperty("succeeded").GetInt32());
        Assert.Contains($"{hits} of {repeated} repeated jobs answered from a finished render", output);
    }

    [Theory]
    [InlineData("--load-seconds 60 5", "the last model's load must be at least the first's")]
    [InlineData("--load-seconds -1", "--load-seconds must be between 0 and 3600")]
    [InlineData("--arrival-seconds 10 --kills 2", "--arrival-seconds applies only without kills")]
    [InlineData("--switch-rule fastest", "fastest")]
    [InlineData("--kills 1 --silos 1", "--kills needs at least 2 silos")]
    [InlineData("--kills -1", "--kills must be 0 or more")]
    [InlineData("--kill-interval 0", "--kill-interval must be more than 0")]
    [InlineData("--render-ms -5", "--render-ms must be 0 or more")]
    [InlineData("--repeats 1.5", "--repeats takes a share from 0 to 1")]
    public async Task Bench_farm_refuses_settings_it_cannot_run_naming_the_option(string arguments, string message)
    {
        var (exitCode, output) = await RunAsync(new ConfigurationBuilder().Build(), arguments.Split(' '));

        Assert.Equal(FarmBenchCommand.UsageError, exitCode);
        Assert.Contains(message, output);
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);

    private static IConfigurationRoot FastFailureDetection() => new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["Turbo:Lease:Duration"] = "00:00:03",
        ["Turbo:Worker:HeartbeatInterval"] = "00:00:00.500",
        ["Turbo:Worker:ReportInterval"] = "00:00:01",
    }).Build();

    private static async Task<(int ExitCode, string Output)> RunAsync(IConfigurationRoot configuration, params string[] args)
    {
        var output = new StringWriter();

        var exitCode = await FarmBenchCommand.Create(() => configuration).Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = output }, TestContext.Current.CancellationToken);

        return (exitCode, output.ToString());
    }
}
