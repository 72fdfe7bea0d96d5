using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using TurboDiffusion.Cli.Farm;
using TurboDiffusion.Engine;

namespace TurboDiffusion.Cli.Tests;

/// <summary>Runs <c>turbo</c> commands in process with captured output, and probes the videos they write.</summary>
internal static class CliHarness
{
    /// <summary>The command's exit code and everything it wrote to standard output and error, with no configuration sources.</summary>
    public static (int ExitCode, string Output) Run(params string[] args) => RunWith(new Dictionary<string, string?>(), args);

    /// <summary>The same with <paramref name="settings"/> as the only configuration source.</summary>
    public static (int ExitCode, string Output) RunWith(IReadOnlyDictionary<string, string?> settings, params string[] args)
    {
        var output = new StringWriter();
        var exitCode = TurboCli.Create(() => new ConfigurationBuilder().AddInMemoryCollection(settings).Build()).Parse(args)
            .Invoke(new InvocationConfiguration { Output = output, Error = output });
        return (exitCode, output.ToString());
    }

    /// <summary>As <see cref="Run"/>, awaiting the command (for commands that talk to a farm running in this process).</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var exitCode = await TurboCli.Create(() => new ConfigurationBuilder().Build()).Parse(args)
            .InvokeAsync(new InvocationConfiguration { Output = output, Error = output }, TestContext.Current.CancellationToken);
        return (exitCode, output.ToString());
    }

    /// <summary>
    /// The all-in-one farm on a free loopback port around <paramref name="engine"/>, its artifacts and work under
    /// <paramref name="directory"/>, its idle workers polling every 20-100 ms: what the remote commands are run against.
    /// </summary>
    public static Task<FarmHost> StartLoopbackFarmAsync(string directory, Func<IVideoEngine> engine) =>
        FarmHost.StartAsync(
            new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Turbo:Artifacts:Directory"] = Path.Combine(directory, "artifacts"),
                ["Turbo:Worker:WorkDirectory"] = Path.Combine(directory, "work"),
                ["Turbo:Worker:IdlePollInterval"] = "00:00:00.020",
                ["Turbo:Worker:MaxIdlePollInterval"] = "00:00:00.100",
            }).Build(),
            new FarmHostSettings(FarmRole.All, engine, 0, FreeClusterPorts: true),
            TestContext.Current.CancellationToken);

    /// <summary>The first video stream as ffprobe reports it, every frame decoded and counted.</summary>
    public static JsonElement Probe(string video)
    {
        var start = new ProcessStartInfo("ffprobe", ["-v", "error", "-count_frames", "-select_streams", "v:0", "-show_streams", "-of", "json", video]) { RedirectStandardOutput = true };
        using var process = Process.Start(start)!;
        var json = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        using var document = JsonDocument.Parse(json);
        return document.RootElement.GetProperty("streams")[0].Clone();
    }
}
