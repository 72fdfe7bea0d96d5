using System.Text.Json;
using TurboDiffusion.Cli.Benchmarks;
using TurboDiffusion.Engine.Media;

namespace TurboDiffusion.Cli.Tests.Commands;

public sealed class BenchPipelineCommandTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("bench-pipeline-").FullName;

    [Fact]
    public void Times_each_stage_of_a_tiny_render_and_writes_json()
    {
        var json = Path.Combine(directory, "pipeline.json");

        var (exitCode, output) = CliHarness.Run(
            "bench", "pipeline", "--model", "tiny", "--resolution", "144p", "--frames", "5", "--steps", "2", "--runs", "1", "--out", directory, "--json", json);

        Assert.Equal(0, exitCode);
        Assert.Contains("run 1:", output);
        using var document = JsonDocument.Parse(File.ReadAllText(json));
        var run = Assert.Single(document.RootElement.GetProperty("Results").EnumerateArray());
        Assert.True(run.GetProperty("StageSeconds").GetProperty("Denoising").GetDouble() > 0);
        Assert.True(run.GetProperty("EncodedWhileDecoding").GetBoolean());
        Assert.Contains("overlapped", output);
        Assert.False(File.Exists(Path.Combine(directory, "bench-first-frame.png")), "a text-to-video model got a first frame");
    }

    [Fact]
    public void A_memory_cap_without_a_GPU_is_refused_by_name()
    {
        var (exitCode, output) = CliHarness.Run("bench", "pipeline", "--model", "tiny", "--runs", "1", "--device-memory", "24", "--out", directory);

        Assert.Equal(1, exitCode);
        Assert.Contains("bench pipeline: Capping device memory needs CUDA device 0", output);
    }

    [Fact]
    public void A_nonpositive_memory_cap_is_a_usage_error()
    {
        var (exitCode, output) = CliHarness.Run("bench", "pipeline", "--device-memory", "0");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("--device-memory must be a positive number of GiB.", output);
    }

    [Fact]
    public void An_image_to_video_model_gets_a_synthetic_720p_first_frame()
    {
        var path = BenchImage.IfNeeded("random-A14B", directory);

        Assert.NotNull(path);
        var image = ImageLoader.Load(path);
        Assert.Equal((1280, 720), (image.Width, image.Height));
        Assert.Null(BenchImage.IfNeeded("random-1.3B", directory));
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);
}
