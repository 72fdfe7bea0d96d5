using TurboDiffusion.Cli.Commands;

namespace TurboDiffusion.Cli.Tests.Commands;

public sealed class GenerateCommandTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("generate-").FullName;

    [Fact]
    public void The_readme_command_renders_a_cat_with_the_tiny_model_and_says_it_is_untrained()
    {
        var video = Path.Combine(directory, "cat.mp4");

        var (exitCode, output) = CliHarness.Run("generate", "a cat", "--model", "tiny", "--out", video);

        Assert.Equal(0, exitCode);
        Assert.Contains("UNTRAINED", output);
        Assert.Contains("attention: dense (libtorch SDPA)", output);
        Assert.Contains("linears: bf16", output);
        Assert.Contains("step 4/4", output);
        Assert.Contains("decoding frames", output);
        Assert.Contains("total", output);
        var probe = CliHarness.Probe(video);
        Assert.Equal("h264", probe.GetProperty("codec_name").GetString());
        Assert.Equal("81", probe.GetProperty("nb_read_frames").GetString());
        Assert.Equal("16/1", probe.GetProperty("r_frame_rate").GetString());
        Assert.True(File.Exists(Path.Combine(directory, "cat.json")));
    }

    [Fact]
    public void Png_frames_are_written_beside_the_video_when_asked()
    {
        var video = Path.Combine(directory, "short.mp4");

        var (exitCode, _) = CliHarness.Run("generate", "a dog", "--frames", "5", "--steps", "1", "--out", video, "--png-frames");

        Assert.Equal(0, exitCode);
        Assert.Equal(5, Directory.GetFiles(Path.Combine(directory, "short_frames"), "frame_*.png").Length);
    }

    [Theory]
    [InlineData("--frames", "80", "4k+1")]
    [InlineData("--steps", "9", "Steps must be 1 to 4")]
    public void Bad_options_exit_with_code_2_and_name_the_problem(string option, string value, string expected)
    {
        var (exitCode, output) = CliHarness.Run("generate", "a cat", option, value, "--out", Path.Combine(directory, "x.mp4"));

        Assert.Equal(GenerateCommand.BadInput, exitCode);
        Assert.Contains(expected, output);
    }

    [Fact]
    public void An_empty_prompt_exits_with_code_2()
    {
        var (exitCode, output) = CliHarness.Run("generate", "  ", "--out", Path.Combine(directory, "x.mp4"));

        Assert.Equal(GenerateCommand.BadInput, exitCode);
        Assert.Contains("prompt is empty", output);
    }

    [Fact]
    public void An_image_that_does_not_decode_exits_with_code_2_naming_the_file()
    {
        var image = Path.Combine(directory, "broken.png");
        File.WriteAllText(image, "not an image");

        var (exitCode, output) = CliHarness.Run("generate", "a cat", "--image", image, "--frames", "5", "--out", Path.Combine(directory, "x.mp4"));

        Assert.Equal(GenerateCommand.BadInput, exitCode);
        Assert.Contains("broken.png", output);
    }

    [Fact]
    public void A_model_directory_without_the_official_files_exits_with_code_2_listing_them()
    {
        var model = Directory.CreateDirectory(Path.Combine(directory, "model")).FullName;

        var (exitCode, output) = CliHarness.Run("generate", "a cat", "--model", model, "--out", Path.Combine(directory, "x.mp4"));

        Assert.Equal(GenerateCommand.BadInput, exitCode);
        Assert.Contains("models_t5_umt5-xxl-enc-bf16.pth", output);
        Assert.Contains("Wan2.1_VAE.pth", output);
    }

    [Fact]
    public void An_unknown_aspect_ratio_is_refused()
    {
        var (exitCode, output) = CliHarness.Run("generate", "a cat", "--aspect-ratio", "21:9");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("21:9", output);
    }

    [Theory]
    [InlineData("--attention", "flash", "--attention must be one of auto, dense, sla, sagesla; got 'flash'.")]
    [InlineData("--topk", "0", "--topk must be in (0, 1]; got 0.")]
    [InlineData("--topk", "1.5", "--topk must be in (0, 1]; got 1.5.")]
    public void Attention_options_outside_their_values_are_refused_naming_the_option_and_the_allowed_values(string option, string value, string expected)
    {
        var (exitCode, output) = CliHarness.Run("generate", "a cat", option, value, "--out", Path.Combine(directory, "x.mp4"));

        Assert.NotEqual(0, exitCode);
        Assert.Contains(expected, output);
    }

    [Theory]
    [InlineData("sla")]
    [InlineData("sagesla")]
    public void Forced_sla_on_the_tiny_model_exits_with_code_2_naming_the_missing_proj_l(string attention)
    {
        var (exitCode, output) = CliHarness.Run("generate", "a cat", "--attention", attention, "--frames", "5", "--out", Path.Combine(directory, "x.mp4"));

        Assert.Equal(GenerateCommand.BadInput, exitCode);
        Assert.Contains("random weights", output);
        Assert.Contains("blocks.0.self_attn.attn_op.local_attn.proj_l.weight", output);
        Assert.Contains($"attention {attention} needs every block's SLA proj_l", output);
        Assert.False(File.Exists(Path.Combine(directory, "x.mp4")));
    }

    [Theory]
    [InlineData("Turbo:Engine:Attention", "fast", "Turbo:Engine:Attention must be one of auto, dense, sla, sagesla; got 'fast'.")]
    [InlineData("Turbo:Engine:TopK", "a tenth", "Turbo:Engine:TopK must be a number in (0, 1]")]
    [InlineData("Turbo:Engine:TopK", "2", "Turbo:Engine:TopK must be a number in (0, 1]")]
    public void A_bad_attention_setting_exits_with_code_2_naming_the_key(string key, string value, string expected)
    {
        var (exitCode, output) = CliHarness.RunWith(new Dictionary<string, string?> { [key] = value }, "generate", "a cat", "--out", Path.Combine(directory, "x.mp4"));

        Assert.Equal(GenerateCommand.BadInput, exitCode);
        Assert.Contains(expected, output);
    }

    [Fact]
    public void The_attention_setting_applies_and_the_option_overrides_it()
    {
        var settings = new Dictionary<string, string?> { ["Turbo:Engine:Attention"] = "sla" };

        var (fromSetting, settingOutput) = CliHarness.RunWith(settings, "generate", "a cat", "--frames", "5", "--steps", "1", "--out", Path.Combine(directory, "a.mp4"));
        var (fromOption, optionOutput) = CliHarness.RunWith(settings, "generate", "a cat", "--attention", "auto", "--frames", "5", "--steps", "1", "--out", Path.Combine(directory, "b.mp4"));

        Assert.Equal(GenerateCommand.BadInput, fromSetting);
        Assert.Contains("attention sla needs every block's SLA proj_l", settingOutput);
        Assert.Equal(0, fromOption);
        Assert.Contains("attention: dense (libtorch SDPA)", optionOutput);
    }

    [Fact]
    public void A_render_that_fails_prints_the_error_and_the_fix_without_a_stack_trace_and_exits_with_code_1()
    {
        var (exitCode, output) = CliHarness.Run("generate", "a cat", "--frames", "5", "--steps", "1", "--out", UnwritableVideo());

        Assert.Equal(GenerateCommand.RenderFailed, exitCode);
        Assert.Contains("error: The finished video could not be moved onto", output);
        Assert.Contains("fix: check that the path it names can be created and written", output);
        Assert.DoesNotContain("   at ", output);
        Assert.DoesNotContain("IOException", output);
    }

    [Fact]
    public void With_verbose_a_failure_shows_its_stack_trace()
    {
        var (exitCode, output) = CliHarness.Run("generate", "a cat", "--frames", "5", "--steps", "1", "--verbose", "--out", UnwritableVideo());

        Assert.Equal(GenerateCommand.RenderFailed, exitCode);
        Assert.Contains("error: The finished video could not be moved onto", output);
        Assert.Contains("System.IO.IOException: The finished video could not be moved onto", output);
        Assert.Contains("   at ", output);
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);

    /// <summary>
    /// A video whose name a folder already holds: its folder is writable, so the checks before rendering pass, and
    /// only moving the finished video into place fails.
    /// </summary>
    private string UnwritableVideo() => Directory.CreateDirectory(Path.Combine(directory, "taken.mp4")).FullName;

}
