using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Configuration;

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
