using System.CommandLine;
using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using TurboDiffusion.Cli.Commands;
using TurboDiffusion.Cli.Farm;
using TurboDiffusion.Engine.Media;
using TurboDiffusion.Engine;
using TurboDiffusion.Engine.Pipelines;

namespace TurboDiffusion.Cli.Tests.Commands;

public sealed class DoctorCommandTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("doctor-").FullName;

    [Fact]
    public void Reports_the_cpu_libtorch_package_and_an_exact_compute_check()
    {
        var (exitCode, output) = RunInProcess(new ConfigurationBuilder().Build());

        Assert.Contains("libtorch-cpu package next to the application, version 2.10.0", output);
        Assert.Contains("not in this libtorch (CPU build): the engine runs on CPU", output);
        Assert.Contains("[ok] compute check", output);
        Assert.Contains("float64 matmul on cpu: exact", output);
        Assert.Contains("using the TorchSharp reference kernels", output);
        Assert.Contains("[ok] worker preflight", output);
        Assert.Equal(0, exitCode);
    }

    [Fact]
    public void Reports_farm_settings_with_their_source_and_without_secrets()
    {
        File.WriteAllText(Path.Combine(directory, "appsettings.json"), """
            { "Turbo": { "Redis": { "ConnectionString": "redis.internal:6379,password=hunter2" },
                         "Blob": { "ConnectionString": "DefaultEndpointsProtocol=https;AccountName=studio;AccountKey=c2VjcmV0" } } }
            """);
        var configuration = new ConfigurationBuilder().SetBasePath(directory).AddJsonFile("appsettings.json").Build();

        var (_, output) = RunInProcess(configuration);

        Assert.Contains("Redis redis.internal:6379,password=*** (from appsettings.json Turbo:Redis:ConnectionString)", output);
        Assert.Contains("Azure Blob DefaultEndpointsProtocol=https;AccountName=studio;AccountKey=*** (from appsettings.json Turbo:Blob:ConnectionString)", output);
        Assert.Contains("Redis membership", output);
        Assert.DoesNotContain("hunter2", output);
        Assert.DoesNotContain("c2VjcmV0", output);
    }

    [Fact]
    public void A_libtorch_setting_that_points_nowhere_fails_with_exit_code_1_and_names_the_setting()
    {
        var missing = Path.Combine(directory, "no-such-libtorch");

        var (exitCode, output) = RunTurbo(("Turbo__Engine__LibTorchDir", missing));

        Assert.Equal(DoctorCommand.ProblemsFound, exitCode);
        Assert.Contains("[!!] libtorch", output);
        Assert.Contains($"Turbo:Engine:LibTorchDir points to '{missing}'", output);
    }

    [Fact]
    public void Without_ffmpeg_the_built_in_encoder_is_named_with_how_to_install_ffmpeg_and_nothing_required_is_missing()
    {
        var (exitCode, output) = RunTurbo(("PATH", directory));

        Assert.Equal(0, exitCode);
        Assert.Contains("[--] ffmpeg", output);
        Assert.Matches($@"\[--\] video encoder +{System.Text.RegularExpressions.Regex.Escape(VideoEncoderChoice.BuiltInName)}", output);
        Assert.Contains("apt-get install ffmpeg", output);
        Assert.Contains("[ok] libtorch", output);
        Assert.Contains("[ok] worker preflight", output);
    }

    [Fact]
    public void A_worker_preflight_problem_is_reported_with_its_fix_and_exit_code_1()
    {
        var model = Directory.CreateDirectory(Path.Combine(directory, "model")).FullName;

        var (exitCode, output) = RunTurbo(("Turbo__Engine__Model", model));

        Assert.Equal(DoctorCommand.ProblemsFound, exitCode);
        Assert.Contains("[!!] preflight: model files", output);
        Assert.Contains(ModelFiles.VaeFile, output);
        Assert.Contains("fix: download the missing files", output);
    }

    [Fact]
    public void Settings_from_the_environment_are_reported_with_their_variable_name()
    {
        var (_, output) = RunTurbo(("Turbo__Cluster__ClusterId", "studio-a"));

        Assert.Contains("cluster id studio-a (from environment Turbo__Cluster__ClusterId)", output);
    }

    [Fact]
    public void An_unreachable_redis_fails_with_its_fix_and_exit_code_1()
    {
        var port = LoopbackPorts.Take(1)[0];

        var (exitCode, output) = RunTurbo(("Turbo__Redis__ConnectionString", $"127.0.0.1:{port},password=hunter2"));

        Assert.Equal(DoctorCommand.ProblemsFound, exitCode);
        Assert.Contains($"[!!] redis", output);
        Assert.Contains($"cannot reach 127.0.0.1:{port},password=***", output);
        Assert.Contains("fix: start Redis there, or correct Turbo:Redis:ConnectionString", output);
        Assert.DoesNotContain("hunter2", output);
    }

    [Fact]
    public void A_reachable_redis_and_blob_service_are_reported_with_version_persistence_and_access()
    {
        var (exitCode, output) = RunTurbo(("Turbo__Redis__ConnectionString", TestServices.Redis), ("Turbo__Blob__ConnectionString", TestServices.Blob), ("Turbo__Cluster__ClusterId", $"doctor-{Guid.NewGuid():N}"));

        Assert.Equal(0, exitCode);
        Assert.Matches(@"\] redis +Redis \d+\.\d+\.\d+ at [^ ]+, ping [0-9.]+ ms, persistence: ", output);
        Assert.Contains("[ok] blob storage", output);
        Assert.Contains("no silo answered within", output);
    }

    [Fact]
    public void An_unreachable_blob_service_fails_with_its_fix_and_exit_code_1()
    {
        var port = LoopbackPorts.Take(1)[0];
        var blob = TestServices.Blob.Replace(":10000/", $":{port}/", StringComparison.Ordinal);

        var (exitCode, output) = RunTurbo(("Turbo__Blob__ConnectionString", blob));

        Assert.Equal(DoctorCommand.ProblemsFound, exitCode);
        Assert.Contains("[!!] blob storage", output);
        Assert.Contains("fix: start the blob service or correct Turbo:Blob:ConnectionString", output);
        Assert.DoesNotContain("Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq", output);
    }

    [Fact]
    public async Task The_silos_of_a_running_cluster_are_listed_by_name()
    {
        var cluster = $"doctor-{Guid.NewGuid():N}";
        var settings = new Dictionary<string, string?>
        {
            ["Turbo:Redis:ConnectionString"] = TestServices.Redis,
            ["Turbo:Redis:KeyPrefix"] = $"{cluster}:",
            ["Turbo:Cluster:ClusterId"] = cluster,
            ["Turbo:Cluster:AdvertisedAddress"] = "127.0.0.1",
            ["Turbo:Worker:Name"] = "doctor-silo",
            ["Turbo:Artifacts:Directory"] = Path.Combine(directory, "artifacts"),
            ["Turbo:Worker:WorkDirectory"] = Path.Combine(directory, "work"),
        };
        await using var farm = await FarmHost.StartAsync(new ConfigurationBuilder().AddInMemoryCollection(settings).Build(),
            new FarmHostSettings(FarmRole.Silo, () => new TurboDiffusion.Silo.Simulation.SimulatedVideoEngine(), 0, FreeClusterPorts: true), TestContext.Current.CancellationToken);

        var (_, output) = RunTurbo(("Turbo__Redis__ConnectionString", TestServices.Redis), ("Turbo__Cluster__ClusterId", cluster));

        Assert.Matches($@"\[ok\] cluster +{cluster}: 1 active silo\(s\): doctor-silo \(127\.0\.0\.1:\d+\)", output);
    }

    [Fact]
    public void A_settings_file_named_by_turbo_settings_is_read_and_a_missing_one_is_refused()
    {
        var file = Path.Combine(directory, "farm.json");
        File.WriteAllText(file, """{ "Turbo": { "Cluster": { "ClusterId": "from-the-file" } } }""");

        var (_, output) = RunTurbo(("TURBO_SETTINGS", file));
        var (missingExit, missingOutput) = RunTurbo(("TURBO_SETTINGS", Path.Combine(directory, "missing.json")));

        Assert.Contains("cluster id from-the-file (from farm.json Turbo:Cluster:ClusterId)", output);
        Assert.Equal(2, missingExit);
        Assert.Contains($"TURBO_SETTINGS names {Path.Combine(directory, "missing.json")}, which does not exist", missingOutput);
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);

    private static (int ExitCode, string Output) RunInProcess(IConfigurationRoot configuration)
    {
        var output = new StringWriter();

        var exitCode = TurboCli.Create(() => configuration).Parse(["doctor"]).Invoke(new InvocationConfiguration { Output = output, Error = output });

        return (exitCode, output.ToString());
    }

    /// <summary>Runs the real <c>turbo</c> executable in a fresh process (the runtime loads once per process).</summary>
    private (int ExitCode, string Output) RunTurbo(params (string Name, string Value)[] environment)
    {
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "turbo"), "doctor")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = directory,
        };
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(2)), "turbo doctor did not finish within 2 minutes");
        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}
