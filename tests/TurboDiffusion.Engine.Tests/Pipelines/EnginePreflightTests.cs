using TurboDiffusion.Engine.Pipelines;
using TurboDiffusion.Engine.Runtime;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Pipelines;

public sealed class EnginePreflightTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("preflight-").FullName;

    public EnginePreflightTests() => TorchRuntime.EnsureLoaded();

    [Fact]
    public async Task The_tiny_model_on_the_cpu_passes()
    {
        using var engine = new WarmVideoEngine(CPU);

        var problems = await engine.PreflightAsync(new PreflightRequest([VideoPipelineLoader.Tiny], root), TestContext.Current.CancellationToken);

        Assert.Empty(problems);
    }

    [Fact]
    public async Task A_model_directory_that_lacks_a_file_is_a_problem_naming_the_file_not_an_exception()
    {
        File.WriteAllBytes(Path.Combine(root, "TurboWan2.1-T2V-1.3B-480P.pth"), []);
        File.WriteAllBytes(Path.Combine(root, "spiece.model"), []);
        File.WriteAllBytes(Path.Combine(root, ModelFiles.TextEncoderFile), []);
        using var engine = new WarmVideoEngine(CPU);

        var problems = await engine.PreflightAsync(new PreflightRequest([root, VideoPipelineLoader.Tiny], root), TestContext.Current.CancellationToken);

        var problem = Assert.Single(problems);
        Assert.Equal("model files", problem.Check);
        Assert.Contains(ModelFiles.VaeFile, problem.Problem, StringComparison.Ordinal);
        Assert.Contains("download", problem.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void A_model_directory_whose_tokenizer_is_corrupt_is_a_problem_naming_the_file()
    {
        foreach (var file in new[] { "TurboWan2.1-T2V-1.3B-480P.pth", ModelFiles.TextEncoderFile, ModelFiles.VaeFile })
        {
            File.WriteAllBytes(Path.Combine(root, file), []);
        }

        var tokenizer = Path.Combine(root, "spiece.model");
        File.WriteAllBytes(tokenizer, [0x0A, 0x03, 0xFF, 0xFF, 0xFF]);

        var problem = Assert.Single(EnginePreflight.CheckModelFiles(root));

        Assert.Equal("model files", problem.Check);
        Assert.StartsWith($"{tokenizer}: not a usable SentencePiece model: ", problem.Problem, StringComparison.Ordinal);
        Assert.Contains("download spiece.model again", problem.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void A_scratch_folder_that_is_a_file_or_too_small_is_named_with_the_fix()
    {
        var file = Path.Combine(root, "not-a-folder");
        File.WriteAllBytes(file, []);

        var unwritable = Assert.Single(ScratchSpace.Check(Path.Combine(file, "work"), minFreeBytes: 0));
        var tooSmall = Assert.Single(ScratchSpace.Check(root, minFreeBytes: long.MaxValue));

        Assert.Empty(ScratchSpace.Check(root, minFreeBytes: 1));
        Assert.Contains("cannot be written", unwritable.Problem, StringComparison.Ordinal);
        Assert.Contains(root, tooSmall.Problem, StringComparison.Ordinal);
        Assert.Contains("free disk space", tooSmall.Fix, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFiles(root, ".probe-*"));
    }

    [Fact]
    public void Only_out_of_space_errors_count_as_a_full_disk()
    {
        var full = OperatingSystem.IsWindows() ? new IOException("disk full", unchecked((int)0x80070070)) : new IOException("No space left on device", 28);

        Assert.True(ScratchSpace.IsDiskFull(full));
        Assert.False(ScratchSpace.IsDiskFull(new IOException("the file is truncated")));
    }

    public void Dispose() => Directory.Delete(root, recursive: true);
}
