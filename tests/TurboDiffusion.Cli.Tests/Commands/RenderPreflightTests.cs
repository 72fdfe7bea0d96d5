using System.Diagnostics;
using TurboDiffusion.Cli.Commands;
using TurboDiffusion.Engine;
using TurboDiffusion.Engine.Pipelines;

namespace TurboDiffusion.Cli.Tests.Commands;

/// <summary><c>render</c> and <c>generate</c> check the machine and the model before the first denoising step.</summary>
public sealed class RenderPreflightTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("preflight-").FullName;

    [Fact]
    public void Render_with_a_model_directory_that_lacks_a_file_fails_in_seconds_naming_the_file()
    {
        var model = IncompleteModelDirectory();
        var prompts = Path.Combine(directory, "prompts.txt");
        File.WriteAllLines(prompts, ["a lighthouse in fog"]);
        var clock = Stopwatch.StartNew();

        var (exitCode, text) = CliHarness.Run("render", prompts, "--model", model, "--out", Path.Combine(directory, "out"));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        Assert.Equal(RenderCommand.BadInput, exitCode);
        Assert.Contains($"error: model files: Model directory '{model}' lacks: VAE {ModelFiles.VaeFile}", text, StringComparison.Ordinal);
        Assert.Contains("fix: download the missing files", text, StringComparison.Ordinal);
        Assert.DoesNotContain("submitted", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Generate_with_a_model_directory_that_lacks_a_file_fails_before_rendering_naming_the_file()
    {
        var model = IncompleteModelDirectory();

        var (exitCode, text) = CliHarness.Run("generate", "a lighthouse in fog", "--model", model, "--out", Path.Combine(directory, "fog.mp4"));

        Assert.Equal(GenerateCommand.BadInput, exitCode);
        Assert.Contains(ModelFiles.VaeFile, text, StringComparison.Ordinal);
        Assert.DoesNotContain("device:", text, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(directory, "fog.mp4")));
    }

    [Fact]
    public void Render_into_an_output_folder_that_cannot_be_written_stops_before_the_farm_starts()
    {
        var prompts = Path.Combine(directory, "prompts.txt");
        File.WriteAllLines(prompts, ["a lighthouse in fog"]);
        var blocker = Path.Combine(directory, "blocker");
        File.WriteAllBytes(blocker, []);

        var (exitCode, text) = CliHarness.Run("render", prompts, "--out", Path.Combine(blocker, "out"));

        Assert.Equal(RenderCommand.BadInput, exitCode);
        Assert.Contains("error: ", text, StringComparison.Ordinal);
        Assert.DoesNotContain("farm:", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("generate")]
    [InlineData("render")]
    public void A_corrupt_tokenizer_exits_with_code_2_and_one_line_naming_the_file_without_a_stack_trace(string command)
    {
        var model = Directory.CreateDirectory(Path.Combine(directory, "model")).FullName;
        foreach (var file in new[] { ModelFiles.TextEncoderFile, ModelFiles.VaeFile, "TurboWan2.1-T2V-1.3B-480P.pth" })
        {
            File.WriteAllBytes(Path.Combine(model, file), []);
        }

        var tokenizer = Path.Combine(model, "spiece.model");
        File.WriteAllText(tokenizer, "this is not a SentencePiece model");
        var prompts = Path.Combine(directory, "prompts.txt");
        File.WriteAllLines(prompts, ["a lighthouse in fog"]);
        string[] arguments = command == "generate"
            ? ["generate", "a lighthouse in fog", "--model", model, "--out", Path.Combine(directory, "fog.mp4")]
            : ["render", prompts, "--model", model, "--out", Path.Combine(directory, "out")];

        var (exitCode, text) = CliHarness.Run(arguments);

        Assert.Equal(GenerateCommand.BadInput, exitCode);
        var error = Assert.Single(text.Split('\n'), line => line.StartsWith("error: ", StringComparison.Ordinal));
        Assert.StartsWith($"error: model files: {tokenizer}: not a usable SentencePiece model: ", error, StringComparison.Ordinal);
        Assert.Contains("fix: download spiece.model again", text, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);

    private string IncompleteModelDirectory()
    {
        var model = Directory.CreateDirectory(Path.Combine(directory, "model")).FullName;
        foreach (var file in new[] { ModelFiles.TextEncoderFile, "spiece.model", "TurboWan2.1-T2V-1.3B-480P.pth" })
        {
            File.WriteAllBytes(Path.Combine(model, file), []);
        }

        return model;
    }
}
