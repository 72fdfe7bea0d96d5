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
    public void A_job_count_out_of_range_is_a_usage_error()
    {
        var (exitCode, output) = CliHarness.Run("bench", "batch", "--jobs", "0");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("--jobs must be between 1 and 1,000,000.", output);
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);
}
