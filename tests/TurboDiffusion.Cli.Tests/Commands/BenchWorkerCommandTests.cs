using System.Text.Json;

namespace TurboDiffusion.Cli.Tests.Commands;

public sealed class BenchWorkerCommandTests : IDisposable
{
    private static readonly string[] RenderStages = ["EncodingText", "Denoising", "Decoding", "Writing"];

    private readonly string directory = Directory.CreateTempSubdirectory("bench-worker-").FullName;

    [Fact]
    public void Both_settings_render_their_jobs_on_the_tiny_model_and_report_a_row_each()
    {
        var json = Path.Combine(directory, "worker.json");

        var (exitCode, output) = CliHarness.Run("bench", "worker", "--jobs", "2", "--frames", "5", "--steps", "1", "--json", json);

        Assert.True(exitCode == 0, output);
        Assert.Contains("overlap | jobs | wall s | videos/min | text s | denoise s | decode s | write s", output);
        using var document = JsonDocument.Parse(File.ReadAllText(json));
        var rows = document.RootElement.GetProperty("Rows").EnumerateArray().ToList();
        Assert.Equal([false, true], rows.Select(r => r.GetProperty("Overlap").GetBoolean()));
        Assert.All(rows, row =>
        {
            Assert.Equal(2, row.GetProperty("Jobs").GetInt32());
            var wall = row.GetProperty("WallSeconds").GetDouble();
            var stages = row.GetProperty("StageSeconds");
            // Only the measured jobs: the warm-up job's model load is not among them.
            Assert.False(stages.TryGetProperty("LoadingModel", out _));
            Assert.All(RenderStages, stage => Assert.True(stages.GetProperty(stage).GetDouble() > 0, stage));
            var dit = stages.GetProperty("EncodingText").GetDouble() + stages.GetProperty("Denoising").GetDouble();
            Assert.Equal(dit / wall, row.GetProperty("DenoiseBusyShare").GetDouble(), 6);
            Assert.InRange(row.GetProperty("DenoiseBusyShare").GetDouble(), double.Epsilon, 1.0);
            Assert.Equal(row.GetProperty("Jobs").GetInt32() / (wall / 60), row.GetProperty("VideosPerMinute").GetDouble(), 6);
        });
    }

    [Fact]
    public void A_job_count_out_of_range_and_an_unknown_setting_are_usage_errors()
    {
        var (jobsExit, jobsOutput) = CliHarness.Run("bench", "worker", "--jobs", "0");
        var (overlapExit, overlapOutput) = CliHarness.Run("bench", "worker", "--overlap", "sometimes");

        Assert.NotEqual(0, jobsExit);
        Assert.Contains("--jobs must be between 1 and 10,000.", jobsOutput);
        Assert.NotEqual(0, overlapExit);
        Assert.Contains("sometimes", overlapOutput);
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);
}
