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
        var ffmpeg = Script("ffmpeg", "echo 'ffmpeg version 7.1'");

        var choice = VideoEncoders.Choose(new Mp4Options(), searchPath: directory.Path);

        Assert.Equal(new VideoEncoderChoice(VideoEncoderKind.Ffmpeg, "ffmpeg (libx264)", ffmpeg), choice);
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

    public void Dispose() => directory.Dispose();

    /// <summary>An executable shell script standing in for a program.</summary>
    private string Script(string name, string body)
    {
        var path = directory.File(name);
        File.WriteAllText(path, $"#!/bin/sh\n{body}\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }
}
