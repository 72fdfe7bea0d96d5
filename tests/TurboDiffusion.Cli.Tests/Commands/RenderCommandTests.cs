using TurboDiffusion.Cli.Commands;
using TurboDiffusion.Cli.Logging;

namespace TurboDiffusion.Cli.Tests.Commands;

public sealed class RenderCommandTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("render-").FullName;

    [Fact]
    public void The_readme_command_renders_the_example_prompts_on_the_embedded_farm_with_the_tiny_model()
    {
        var prompts = Path.Combine(RepositoryRoot(), "docs", "examples", "prompts.txt");
        var output = Path.Combine(directory, "out");

        var (exitCode, text) = CliHarness.Run("render", prompts, "--out", output);

        Assert.True(exitCode == 0, text);
        Assert.Contains("UNTRAINED", text, StringComparison.Ordinal);
        Assert.Contains("open to this machine only while this command runs", text, StringComparison.Ordinal);
        Assert.Contains("overall: 100 %", text, StringComparison.Ordinal);
        Assert.Contains("done: 3 of 3 jobs succeeded", text, StringComparison.Ordinal);
        var videos = Directory.GetFiles(output, "*.mp4").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(3, videos.Count);
        Assert.StartsWith("01-a-red-fox", Path.GetFileName(videos[0]), StringComparison.Ordinal);
        foreach (var video in videos)
        {
            var probe = CliHarness.Probe(video);
            Assert.Equal("h264", probe.GetProperty("codec_name").GetString());
            Assert.Equal(RenderCommand.TinyDefaultFrames.ToString(System.Globalization.CultureInfo.InvariantCulture), probe.GetProperty("nb_read_frames").GetString());
            Assert.True(File.Exists(Path.ChangeExtension(video, ".json")));
        }
    }

    [Fact]
    public void A_prompt_file_with_a_broken_json_line_exits_with_code_2_naming_the_line()
    {
        var file = Path.Combine(directory, "jobs.jsonl");
        File.WriteAllLines(file, ["""{"prompt": "a fox"}""", """{"prompt": "a cat", "frames": }"""]);

        var (exitCode, text) = CliHarness.Run("render", file, "--out", Path.Combine(directory, "out"));

        Assert.Equal(RenderCommand.BadInput, exitCode);
        Assert.Contains("jobs.jsonl:2", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Forced_sla_on_the_tiny_model_fails_every_job_with_one_readable_line_each_and_the_stack_traces_in_the_log()
    {
        var prompts = Path.Combine(RepositoryRoot(), "docs", "examples", "prompts.txt");
        var output = Path.Combine(directory, "out");
        var log = Path.Combine(output, RenderLog.FileName);

        var (exitCode, text) = CliHarness.Run("render", prompts, "--attention", "sla", "--out", output);

        Assert.Equal(RenderCommand.SomeFailed, exitCode);
        Assert.Contains("done: 0 of 3 jobs succeeded", text, StringComparison.Ordinal);
        Assert.Contains($"log (stack traces included) in {log}", text, StringComparison.Ordinal);
        var failures = Lines(text).Where(l => l.Contains("proj_l", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, failures.Count);
        Assert.All(failures, line => Assert.Matches(@"^  0[1-3]-\S+ +failed +[0-9.]+ s  random weights \(tiny.*tensor 'blocks\.0\.self_attn\.attn_op\.local_attn\.proj_l\.weight': missing; attention sla needs every block's SLA proj_l.*\(attempt 3 of 3\)$", line));
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", text, StringComparison.Ordinal);
        var logged = File.ReadAllText(log);
        Assert.Contains("TurboDiffusion.Engine.Checkpoints.CheckpointException: random weights (tiny", logged, StringComparison.Ordinal);
        Assert.Contains("   at TurboDiffusion.Engine.Pipelines.DitAttention.RequireProjections", logged, StringComparison.Ordinal);
    }

    [Fact]
    public void With_verbose_the_farms_log_and_a_failing_jobs_stack_trace_are_shown_too()
    {
        var prompts = Path.Combine(RepositoryRoot(), "docs", "examples", "prompts.txt");

        var (exitCode, text) = CliHarness.Run("render", prompts, "--attention", "sla", "--verbose", "--out", Path.Combine(directory, "out"));

        Assert.Equal(RenderCommand.SomeFailed, exitCode);
        Assert.Contains("failed (EngineError)", text, StringComparison.Ordinal);
        Assert.Contains("TurboDiffusion.Engine.Checkpoints.CheckpointException: random weights (tiny", text, StringComparison.Ordinal);
        Assert.Contains("   at TurboDiffusion.Engine.Pipelines.DitAttention.RequireProjections", text, StringComparison.Ordinal);
        Assert.Contains("done: 0 of 3 jobs succeeded", text, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_attention_is_refused_naming_the_option_and_the_allowed_values()
    {
        var (exitCode, text) = CliHarness.Run("render", "prompts.txt", "--attention", "flash");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("--attention must be one of auto, dense, sla, sagesla; got 'flash'.", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_top_k_setting_exits_with_code_2_naming_the_key()
    {
        var prompts = Path.Combine(RepositoryRoot(), "docs", "examples", "prompts.txt");

        var (exitCode, text) = CliHarness.RunWith(new Dictionary<string, string?> { ["Turbo:Engine:TopK"] = "0" }, "render", prompts, "--out", Path.Combine(directory, "out"));

        Assert.Equal(RenderCommand.BadInput, exitCode);
        Assert.Contains("Turbo:Engine:TopK must be a number in (0, 1]", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, 3, "A red fox, at dawn!", "01-a-red-fox-at-dawn")]
    [InlineData(99, 120, "neon", "100-neon")]
    public void Output_names_number_the_line_and_keep_the_prompts_first_words(int index, int count, string prompt, string expected) =>
        Assert.Equal(expected, RenderCommand.FileName(index, count, prompt));

    public void Dispose() => Directory.Delete(directory, recursive: true);

    private static string[] Lines(string text) => text.Split(Environment.NewLine);

    internal static string RepositoryRoot()
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "TurboDiffusion.sln")))
        {
            folder = folder.Parent;
        }

        return folder?.FullName ?? throw new DirectoryNotFoundException($"No TurboDiffusion.sln above {AppContext.BaseDirectory}.");
    }

}
