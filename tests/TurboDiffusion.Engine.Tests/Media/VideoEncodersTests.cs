using System.Runtime.Versioning;
using TurboDiffusion.Engine.Media;

namespace TurboDiffusion.Engine.Tests.Media;

/// <remarks>Stands shell scripts in for ffmpeg, so it runs where they do.</remarks>
[UnsupportedOSPlatform("windows")]
public sealed class VideoEncodersTests : IDisposable
{
    private readonly TemporaryDirectory directory = new();

    [Fact]
    public void Auto_without_ffmpeg_on_path_chooses_the_built_in_encoder()
    {
        var choice = VideoEncoders.Choose(new Mp4Options(), searchPath: directory.Path);

        Assert.Equal(new VideoEncoderChoice(VideoEncoderKind.BuiltIn, "built-in (H.264 I_PCM, uncompressed)", null), choice);
    }

    [Fact]
    public void Auto_with_ffmpeg_on_path_chooses_it()
    {
        var ffmpeg = Script("ffmpeg", NoNvenc);

        var choice = VideoEncoders.Choose(new Mp4Options(), searchPath: directory.Path);

        Assert.Equal(new VideoEncoderChoice(VideoEncoderKind.Ffmpeg, "ffmpeg (libx264)", ffmpeg), choice);
    }

    [Fact]
    public void Auto_and_ffmpeg_choose_nvenc_where_its_test_encode_works_and_software_keeps_libx264()
    {
        var ffmpeg = Script("ffmpeg", "echo 'ffmpeg version 7.1'");

        var auto = VideoEncoders.Choose(new Mp4Options(), searchPath: directory.Path);
        var required = VideoEncoders.Choose(new Mp4Options { Encoder = VideoEncoderPreference.Ffmpeg }, searchPath: directory.Path);
        var software = VideoEncoders.Choose(new Mp4Options { Encoder = VideoEncoderPreference.Software }, searchPath: directory.Path);

        Assert.Equal(new VideoEncoderChoice(VideoEncoderKind.FfmpegNvenc, "ffmpeg (h264_nvenc)", ffmpeg), auto);
        Assert.Equal(auto, required);
        Assert.Equal(new VideoEncoderChoice(VideoEncoderKind.Ffmpeg, "ffmpeg (libx264)", ffmpeg), software);
        Assert.True(auto.IsFfmpeg && software.IsFfmpeg);
    }

    [Fact]
    public void A_failed_nvenc_test_encode_is_reported_with_ffmpegs_words_and_the_cards_that_have_no_nvenc()
    {
        var ffmpeg = Script("ffmpeg", NoNvenc);

        var status = NvencProbe.Probe(ffmpeg);

        Assert.False(status.Works);
        Assert.Contains("Cannot load libcuda.so.1", status.Detail, StringComparison.Ordinal);
        Assert.Contains("H100", status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void The_nvenc_command_line_keeps_the_crf_as_its_quality_target_and_maps_presets_in_order()
    {
        var options = new Mp4Options { ConstantRateFactor = 21, Preset = X264Preset.Medium };

        var hardware = Mp4Arguments.For(64, 48, options, "out.tmp", hardware: true).ToList();
        var software = Mp4Arguments.For(64, 48, options, "out.tmp").ToList();
        string Preset(X264Preset preset) => Value(Mp4Arguments.For(64, 48, options with { Preset = preset }, "out.tmp", hardware: true).ToList(), "-preset");

        Assert.Equal("h264_nvenc", Value(hardware, "-c:v"));
        Assert.Equal("21", Value(hardware, "-cq"));
        Assert.Equal("0", Value(hardware, "-b:v"));
        Assert.Equal("libx264", Value(software, "-c:v"));
        Assert.Equal("21", Value(software, "-crf"));
        Assert.Equal(["p1", "p4", "p7"], new[] { X264Preset.Ultrafast, X264Preset.Medium, X264Preset.Veryslow }.Select(Preset));
        Assert.Equal(
            Enum.GetValues<X264Preset>().Select(Preset).Order(StringComparer.Ordinal),
            Enum.GetValues<X264Preset>().Select(Preset));
    }

    [Fact]
    public void Auto_passes_over_an_ffmpeg_that_cannot_run()
    {
        File.WriteAllText(directory.File("ffmpeg"), "not a program, and not executable");

        var choice = VideoEncoders.Choose(new Mp4Options(), searchPath: directory.Path);

        Assert.Equal(VideoEncoderKind.BuiltIn, choice.Kind);
    }

    [Fact]
    public void Auto_with_a_configured_ffmpeg_that_is_missing_chooses_the_built_in_encoder()
    {
        var choice = VideoEncoders.Choose(new Mp4Options { FfmpegPath = directory.File("no-ffmpeg") }, searchPath: directory.Path);

        Assert.Equal(VideoEncoderChoice.BuiltIn, choice);
    }

    [Fact]
    public void The_ffmpeg_preference_without_ffmpeg_fails_saying_how_to_install_it()
    {
        var error = Assert.Throws<FfmpegNotFoundException>(() => VideoEncoders.Choose(new Mp4Options { Encoder = VideoEncoderPreference.Ffmpeg }, searchPath: directory.Path));

        Assert.Contains("not found on PATH", error.Message);
        Assert.Contains("apt-get install ffmpeg", error.Message);
    }

    [Fact]
    public void The_built_in_preference_passes_over_an_installed_ffmpeg()
    {
        Script("ffmpeg", "echo 'ffmpeg version 7.1'");

        var choice = VideoEncoders.Choose(new Mp4Options { Encoder = VideoEncoderPreference.BuiltIn }, searchPath: directory.Path);

        Assert.Equal(VideoEncoderChoice.BuiltIn, choice);
    }

    [Fact]
    public async Task Start_gives_the_writer_of_the_preferred_encoder()
    {
        var path = directory.File("clip.mp4");

        await using (var writer = VideoEncoders.Start(path, 16, 16, new Mp4Options { Encoder = VideoEncoderPreference.BuiltIn }))
        {
            Assert.IsType<BuiltInMp4Writer>(writer);
            Assert.Equal(VideoEncoderChoice.BuiltInName, writer.Encoder.Name);
            writer.WriteFrame(new byte[16 * 16 * 3]);
            await writer.CompleteAsync(TestContext.Current.CancellationToken);
        }

        Assert.Equal(["clip.mp4"], directory.FileNames());
    }

    [Fact]
    public void The_self_test_of_the_built_in_encoder_passes_and_leaves_no_file()
    {
        VideoEncoders.SelfTest(VideoEncoderChoice.BuiltIn, directory.Path);

        Assert.Empty(directory.FileNames());
    }

    [Fact]
    public void The_self_test_of_the_installed_ffmpeg_passes_and_leaves_no_file()
    {
        var ffmpeg = VideoEncoders.Choose(new Mp4Options { Encoder = VideoEncoderPreference.Ffmpeg });

        VideoEncoders.SelfTest(ffmpeg, directory.Path);

        Assert.Empty(directory.FileNames());
    }

    [Fact]
    public void The_self_test_of_an_ffmpeg_that_fails_reports_its_stderr_and_leaves_no_file()
    {
        var ffmpeg = Script("ffmpeg", "echo \"Unknown encoder 'libx264'\" >&2; exit 1");
        var scratch = System.IO.Path.Combine(directory.Path, "scratch");
        Directory.CreateDirectory(scratch);

        var error = Assert.Throws<FfmpegException>(() => VideoEncoders.SelfTest(VideoEncoderChoice.ForFfmpeg(ffmpeg), scratch));

        Assert.Equal(1, error.ExitCode);
        Assert.Contains("Unknown encoder 'libx264'", error.Message);
        Assert.Empty(Directory.GetFileSystemEntries(scratch));
    }

    [Fact]
    public void The_install_hint_says_how_to_get_ffmpeg_and_why()
    {
        Assert.Contains("sudo apt-get install ffmpeg", VideoEncoders.InstallHint);
        Assert.Contains("smaller", VideoEncoders.InstallHint);
    }

    /// <summary>An ffmpeg built with h264_nvenc on a machine without an NVIDIA encoder: everything else works.</summary>
    private const string NoNvenc = "case \"$*\" in *h264_nvenc*) echo 'Cannot load libcuda.so.1' >&2; exit 1;; esac\necho 'ffmpeg version 7.1'";

    public void Dispose() => directory.Dispose();

    private static string Value(List<string> arguments, string name) => arguments[arguments.IndexOf(name) + 1];

    /// <summary>An executable shell script standing in for a program.</summary>
    private string Script(string name, string body)
    {
        var path = directory.File(name);
        File.WriteAllText(path, $"#!/bin/sh\n{body}\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }
}
