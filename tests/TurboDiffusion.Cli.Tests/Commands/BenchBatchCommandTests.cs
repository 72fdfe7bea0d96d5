using System.Text.Json;

namespace TurboDiffusion.Cli.Tests.Commands;

public sealed class BenchBatchCommandTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("bench-batch-").FullName;

    [Fact]
    public void A_small_batch_runs_through_the_farm_and_every_item_is_listed_and_ends()
    {
        var json = Path.Combine(directory, "batch.json");

        var (exitCode, output) = CliHarness.Run("bench", "batch", "--jobs", "300", "--step-ms", "40", "--json", json);

        Assert.Equal(0, exitCode);
        Assert.Contains("uploading 300 jobs", output);
        using var document = JsonDocument.Parse(File.ReadAllText(json));
        var result = document.RootElement.GetProperty("Result");
        Assert.Equal(300, result.GetProperty("Listed").GetInt32());
        Assert.Equal("memory", result.GetProperty("JobState").GetString());
        // One worker at 40 ms a job takes 12 s for the batch: most of it is still queued when the cancel comes.
        Assert.InRange(result.GetProperty("Canceled").GetInt32(), 1, 300 - result.GetProperty("FinishedBeforeCancel").GetInt32());
        Assert.InRange(result.GetProperty("SummaryP99Ms").GetDouble(), 0.01, 10_000);
        Assert.Equal(JsonValueKind.Null, result.GetProperty("RedisBytesPerJob").ValueKind);
    }

    [Fact]
    public void With_a_separate_gateway_the_gateway_process_memory_is_reported_apart()
    {
        var json = Path.Combine(directory, "batch.json");
        var redis = Environment.GetEnvironmentVariable("Turbo__Test__Redis") is { Length: > 0 } r ? r : "127.0.0.1:6379";

        var (exitCode, output) = CliHarness.Run("bench", "batch", "--jobs", "200", "--step-ms", "40", "--redis", redis, "--separate-gateway", "--json", json);

        Assert.Equal(0, exitCode);
        Assert.Contains("gateway process: working set", output);
        using var document = JsonDocument.Parse(File.ReadAllText(json));
        var result = document.RootElement.GetProperty("Result");
        Assert.Equal(200, result.GetProperty("Listed").GetInt32());
        var gateway = result.GetProperty("Gateway");
        Assert.InRange(gateway.GetProperty("PeakWorkingSetMiB").GetDouble(), gateway.GetProperty("WorkingSetMiBReady").GetDouble(), 4096);
        Assert.InRange(gateway.GetProperty("ManagedMiBAfterUpload").GetDouble(), 0.1, 4096);
    }

    [Fact]
    public void A_separate_gateway_without_redis_is_a_usage_error()
    {
        var (exitCode, output) = CliHarness.Run("bench", "batch", "--jobs", "10", "--separate-gateway");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("--separate-gateway needs --redis", output);
    }

    [Fact]
    public void A_job_count_out_of_range_is_a_usage_error()
    {
        var (exitCode, output) = CliHarness.Run("bench", "batch", "--jobs", "0");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("--jobs must be between 1 and 1,000,000.", output);
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);
}
