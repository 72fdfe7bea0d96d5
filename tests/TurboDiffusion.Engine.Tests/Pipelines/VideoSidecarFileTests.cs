using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using TurboDiffusion.Engine.Media;
using TurboDiffusion.Engine.Pipelines;
using TurboDiffusion.Engine.Tests.Media;

namespace TurboDiffusion.Engine.Tests.Pipelines;

public sealed class VideoSidecarFileTests : IDisposable
{
    private static readonly DateTimeOffset Created = new(2026, 3, 14, 15, 9, 26, TimeSpan.FromHours(2));

    private readonly TemporaryDirectory directory = new();

    [Fact]
    public void A_sidecar_written_beside_the_video_reads_back_equal()
    {
        var video = directory.File("cat.mp4");
        var sidecar = Describe(video);

        var path = VideoSidecarFile.Write(video, sidecar);
        var read = VideoSidecarFile.Read(path);

        Assert.Equal(directory.File("cat.json"), path);
        Assert.Equal(["cat.json"], directory.FileNames());
        Assert.Equal(sidecar.StageSeconds, read.StageSeconds);
        Assert.Equal(sidecar with { StageSeconds = read.StageSeconds }, read);
    }

    [Fact]
    public void The_json_names_fields_in_camel_case_and_enums_by_name_with_seconds_per_stage()
    {
        var path = VideoSidecarFile.Write(directory.File("cat.mp4"), Describe(directory.File("cat.mp4")));

        using var json = JsonDocument.Parse(File.ReadAllText(path));
        var root = json.RootElement;

        Assert.Equal("a cat on a skateboard", root.GetProperty("prompt").GetString());
        Assert.Equal(42, root.GetProperty("seed").GetInt64());
        Assert.Equal("tiny", root.GetProperty("model").GetString());
        Assert.True(root.GetProperty("untrainedModel").GetBoolean());
        Assert.Equal(4, root.GetProperty("steps").GetInt32());
        Assert.Equal("P480", root.GetProperty("resolution").GetString());
        Assert.Equal("Landscape16x9", root.GetProperty("aspectRatio").GetString());
        Assert.Equal(832, root.GetProperty("width").GetInt32());
        Assert.Equal(480, root.GetProperty("height").GetInt32());
        Assert.Equal(81, root.GetProperty("frames").GetInt32());
        Assert.Equal(16, root.GetProperty("framesPerSecond").GetInt32());
        Assert.Equal(2.5, root.GetProperty("stageSeconds").GetProperty("Denoising").GetDouble());
        Assert.Equal(0.25, root.GetProperty("stageSeconds").GetProperty("Writing").GetDouble());
        Assert.Equal("2026-03-14T13:09:26+00:00", root.GetProperty("createdUtc").GetString());
        Assert.Equal("dense (libtorch SDPA)", root.GetProperty("attention").GetString());
        Assert.Equal("built-in (H.264 I_PCM, uncompressed)", root.GetProperty("encoder").GetString());
        Assert.Equal("int8 (W8A8, quantized at load)", root.GetProperty("linears").GetString());
        Assert.Equal(
            typeof(VideoSidecar).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion,
            root.GetProperty("softwareVersion").GetString());
    }

    [Fact]
    public void Prompts_in_any_script_stay_readable_in_the_file()
    {
        var video = directory.File("cat.mp4");

        var path = VideoSidecarFile.Write(video, Describe(video) with { Prompt = "一只猫 + <dog> & \"bird\"" });

        Assert.Contains("\"prompt\": \"一只猫 + <dog> & \\\"bird\\\"\"", File.ReadAllText(path));
        Assert.Equal("一只猫 + <dog> & \"bird\"", VideoSidecarFile.Read(path).Prompt);
    }

    [Fact]
    public void Writing_again_replaces_the_sidecar_whole()
    {
        var video = directory.File("cat.mp4");
        VideoSidecarFile.Write(video, Describe(video));

        VideoSidecarFile.Write(video, Describe(video) with { Prompt = "a dog" });

        Assert.Equal("a dog", VideoSidecarFile.Read(VideoSidecarFile.PathFor(video)).Prompt);
        Assert.Equal(["cat.json"], directory.FileNames());
    }

    [Fact]
    public void A_sidecar_written_before_encoders_were_recorded_reads_with_no_encoder()
    {
        var path = VideoSidecarFile.Write(directory.File("cat.mp4"), Describe(directory.File("cat.mp4")));
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        Assert.True(json.Remove("encoder"));
        File.WriteAllText(path, json.ToJsonString());

        var read = VideoSidecarFile.Read(path);

        Assert.Null(read.Encoder);
        Assert.Equal("a cat on a skateboard", read.Prompt);
    }

    [Fact]
    public void A_sidecar_missing_a_field_is_rejected_naming_the_file()
    {
        var path = directory.File("cat.json");
        File.WriteAllText(path, """{ "prompt": "a cat" }""");

        var error = Assert.Throws<InvalidDataException>(() => VideoSidecarFile.Read(path));

        Assert.StartsWith($"{path}: not a valid video sidecar", error.Message);
    }

    public void Dispose() => directory.Dispose();

    private static VideoSidecar Describe(string video)
    {
        var request = new VideoRequest("a cat on a skateboard", "tiny", VideoResolution.P480, AspectRatio.Landscape16x9, Frames: 81, Steps: 4, Seed: 42, OutputPath: video);
        var timings = new Dictionary<GenerationStage, TimeSpan>
        {
            [GenerationStage.EncodingText] = TimeSpan.FromMilliseconds(125),
            [GenerationStage.Denoising] = TimeSpan.FromSeconds(2.5),
            [GenerationStage.Writing] = TimeSpan.FromMilliseconds(250),
        };
        return VideoSidecar.Describe(request, 832, 480, Mp4Options.DefaultFramesPerSecond, timings, untrainedModel: true, Created, "dense (libtorch SDPA)", VideoEncoderChoice.BuiltInName, "int8 (W8A8, quantized at load)");
    }
}
