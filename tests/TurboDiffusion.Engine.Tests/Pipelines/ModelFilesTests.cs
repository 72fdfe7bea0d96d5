using TurboDiffusion.Engine.Pipelines;

namespace TurboDiffusion.Engine.Tests.Pipelines;

public sealed class ModelFilesTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("model-files-").FullName;

    [Fact]
    public void A_turbo_text_to_video_directory_resolves_its_four_files_preferring_the_bf16_checkpoint()
    {
        Touch(ModelFiles.TextEncoderFile, "google/umt5-xxl/spiece.model", ModelFiles.VaeFile,
            "TurboWan2.1-T2V-1.3B-480P-quant.pth", "TurboWan2.1-T2V-1.3B-480P.pth");

        var files = ModelFiles.Resolve(root);

        Assert.False(files.IsImageToVideo);
        Assert.EndsWith("TurboWan2.1-T2V-1.3B-480P.pth", files.Dit);
        Assert.EndsWith(Path.Combine("google", "umt5-xxl", "spiece.model"), files.Tokenizer);
        Assert.EndsWith(ModelFiles.VaeFile, files.Vae);
    }

    [Fact]
    public void An_image_to_video_directory_resolves_both_experts()
    {
        Touch(ModelFiles.TextEncoderFile, "spiece.model", ModelFiles.VaeFile,
            "TurboWan2.2-I2V-A14B-high-720P.pth", "TurboWan2.2-I2V-A14B-low-720P.pth");

        var files = ModelFiles.Resolve(root);

        Assert.True(files.IsImageToVideo);
        Assert.Contains("-high-", files.Dit);
        Assert.Contains("-low-", files.LowNoiseDit);
    }

    [Fact]
    public void Missing_files_are_listed_together_in_one_error()
    {
        Touch("TurboWan2.1-T2V-1.3B-480P.pth");

        var error = Assert.Throws<ModelNotFoundException>(() => ModelFiles.Resolve(root));

        Assert.Contains(ModelFiles.TextEncoderFile, error.Message);
        Assert.Contains("spiece.model", error.Message);
        Assert.Contains(ModelFiles.VaeFile, error.Message);
        Assert.DoesNotContain("DiT checkpoint", error.Message);
    }

    [Fact]
    public void A_high_noise_expert_without_its_low_noise_partner_is_an_error()
    {
        Touch(ModelFiles.TextEncoderFile, "spiece.model", ModelFiles.VaeFile, "TurboWan2.2-I2V-A14B-high-720P.pth");

        var error = Assert.Throws<ModelNotFoundException>(() => ModelFiles.Resolve(root));

        Assert.Contains("low-noise expert", error.Message);
    }

    [Fact]
    public void A_directory_that_does_not_exist_is_named()
    {
        var missing = Path.Combine(root, "nope");

        var error = Assert.Throws<ModelNotFoundException>(() => ModelFiles.Resolve(missing));

        Assert.Contains(missing, error.Message);
    }

    public void Dispose() => Directory.Delete(root, recursive: true);

    private void Touch(params string[] files)
    {
        foreach (var file in files)
        {
            var path = Path.Combine(root, file);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, []);
        }
    }
}
