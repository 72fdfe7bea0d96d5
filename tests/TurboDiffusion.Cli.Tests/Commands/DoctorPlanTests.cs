using TurboDiffusion.Cli.Commands;
using TurboDiffusion.Cli.Configuration;

namespace TurboDiffusion.Cli.Tests.Commands;

/// <summary><c>turbo doctor --plan</c>: the memory plan for a card, printed before anything loads.</summary>
public sealed class DoctorPlanTests
{
    [Fact]
    public void The_14B_model_at_720p_plans_to_fit_an_80_GiB_card_stage_by_stage()
    {
        var (exitCode, output) = CliHarness.Run("doctor", "--plan", "random-14B", "720p", "--device-memory", "80");

        Assert.True(exitCode == 0, output);
        Assert.Contains("plan for a card of 80 GiB (--device-memory):", output);
        Assert.Contains("1280x720x81 (75,600 tokens)", output);
        Assert.Contains("text encoder: resident on the GPU", output);
        Assert.Contains("denoising:", output);
        Assert.Contains("decoding:", output);
        Assert.Contains("fits: peak", output);
    }

    [Fact]
    public void A_model_too_large_for_the_card_exits_1_saying_what_it_needs()
    {
        var (exitCode, output) = CliHarness.Run("doctor", "--plan", "random-14B", "480p", "--device-memory", "24");

        Assert.Equal(DoctorPlan.DoesNotFit, exitCode);
        Assert.Contains("random-14B at 832x480x81 needs", output);
        Assert.Contains("this device has 21.0 GiB to give of 24.0 GiB", output);
    }

    [Fact]
    public void The_text_encoder_setting_is_honoured()
    {
        var (exitCode, output) = CliHarness.RunWith(new Dictionary<string, string?> { [TextEncoderSettings.Key] = "cpu" },
            "doctor", "--plan", "random-1.3B", "480p", "--device-memory", "80");

        Assert.True(exitCode == 0, output);
        Assert.Contains("text encoder: on the CPU", output);
    }

    [Theory]
    [InlineData("random-1.3B 999p --device-memory 80", "'999p' is not a resolution")]
    [InlineData("no-such-model-dir 480p --device-memory 80", "does not exist")]
    [InlineData("random-1.3B 480p", "no CUDA device here; give --device-memory")]
    public void Bad_input_and_a_machine_without_a_gpu_exit_1_naming_the_problem(string arguments, string message)
    {
        var (exitCode, output) = CliHarness.Run(["doctor", "--plan", .. arguments.Split(' ')]);

        Assert.Equal(DoctorPlan.DoesNotFit, exitCode);
        Assert.Contains(message, output);
    }

    [Fact]
    public void A_bad_text_encoder_setting_names_the_setting_and_the_choices()
    {
        var (exitCode, output) = CliHarness.RunWith(new Dictionary<string, string?> { [TextEncoderSettings.Key] = "gpu" },
            "doctor", "--plan", "random-1.3B", "480p", "--device-memory", "80");

        Assert.Equal(DoctorPlan.DoesNotFit, exitCode);
        Assert.Contains("Turbo:Engine:TextEncoderDevice must be one of auto, cuda, cpu; got 'gpu'", output);
    }
}
