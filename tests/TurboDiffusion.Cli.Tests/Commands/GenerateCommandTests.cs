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

    public void Dispose() => Directory.Delete(directory, recursive: true);

}
