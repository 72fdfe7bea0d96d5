using TurboDiffusion.Cli.Failures;
using TurboDiffusion.Client.Models;
using TurboDiffusion.Engine.Media;

namespace TurboDiffusion.Cli.Tests.Failures;

public sealed class ReadableFailureTests
{
    [Fact]
    public void The_farms_type_name_is_dropped_and_ffmpegs_lines_are_kept_on_one_line_with_the_fix()
    {
        var failure = ReadableFailure.From(new FailureView("engine_error",
            "FfmpegException: ffmpeg failed writing the video with exit code 1. Its last lines on stderr:\n  Unknown encoder 'libx264'\n  Conversion failed! (attempt 3 of 3)"));

        Assert.Equal("ffmpeg failed writing the video with exit code 1. Its last lines on stderr: Unknown encoder 'libx264' Conversion failed! (attempt 3 of 3)", failure.Message);
        Assert.Equal(failure.Message + "; fix: run `turbo doctor` to check the ffmpeg in use; MP4 output needs one with the libx264 encoder", failure.ToString());
    }

    [Theory]
    [InlineData("lease_expired", "waited longer than 00:10:00 in pool 'default' (Turbo:Scheduler:QueueTimeToLive)")]
    [InlineData("engine_error", "Turbo:Engine:TopK must be a number in (0, 1]")]
    [InlineData("engine_error", "Prompt: is empty")]
    public void A_message_without_a_type_name_in_front_is_kept_whole(string reason, string message) =>
        Assert.Equal(message, ReadableFailure.From(new FailureView(reason, message)).Message);

    [Fact]
    public void A_namespaced_type_name_is_dropped_too()
    {
        var failure = ReadableFailure.From(new FailureView("oom", "System.Runtime.InteropServices.ExternalException: CUDA out of memory. Tried to allocate 2.00 GiB"));

        Assert.Equal("CUDA out of memory. Tried to allocate 2.00 GiB", failure.Message);
        Assert.Contains("--frames", failure.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void An_engine_error_whose_message_already_says_what_to_do_gets_no_second_fix()
    {
        var failure = ReadableFailure.From(new FailureView("engine_error", $"{nameof(FfmpegNotFoundException)}: {new FfmpegNotFoundException("ffmpeg was not found on PATH.").Message}"));

        Assert.StartsWith("ffmpeg was not found on PATH. JPEG input and the ffmpeg video encoder need ffmpeg: install it", failure.Message, StringComparison.Ordinal);
        Assert.Null(failure.Fix);
        Assert.Equal(failure.Message, failure.ToString());
    }

    [Theory]
    [InlineData("storage_error", "Turbo:Artifacts:Directory")]
    [InlineData("silo_lost", "render it again")]
    [InlineData("drain", "render it again")]
    public void Failures_of_the_farm_rather_than_the_job_say_what_to_do(string reason, string expected) =>
        Assert.Contains(expected, ReadableFailure.From(new FailureView(reason, "something went wrong")).Fix, StringComparison.Ordinal);

    [Fact]
    public void An_unknown_engine_error_gets_no_invented_fix() =>
        Assert.Null(ReadableFailure.From(new FailureView("engine_error", "InvalidOperationException: the sampler diverged")).Fix);

    [Fact]
    public void This_processs_own_engine_failures_are_classified_as_the_farms_worker_classifies_them()
    {
        var outOfMemory = ReadableFailure.From(new InvalidOperationException("CUDA out of memory.\nTried to allocate 2.00 GiB"));
        var unwritable = ReadableFailure.From(new IOException("The file '/tmp/a' already exists."));

        Assert.Equal("CUDA out of memory. Tried to allocate 2.00 GiB", outOfMemory.Message);
        Assert.Contains("--frames", outOfMemory.Fix, StringComparison.Ordinal);
        Assert.Contains("can be created and written", unwritable.Fix, StringComparison.Ordinal);
    }
}
