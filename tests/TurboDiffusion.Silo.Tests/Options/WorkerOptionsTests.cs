using Microsoft.Extensions.Options;
using TurboDiffusion.Farm.Options;
using TurboDiffusion.Silo.Options;

namespace TurboDiffusion.Silo.Tests.Options;

public sealed class WorkerOptionsTests
{
    [Theory]
    [InlineData("turbo-silo-1-5d8f7b9c4-x2k8q")]
    [InlineData("gpu-node.example_07")]
    public void Pod_and_host_names_are_worker_names(string name)
    {
        Assert.True(Validate(new WorkerOptions { Name = name }).Succeeded);
    }

    [Theory]
    [InlineData("")]
    [InlineData("silo a")]
    [InlineData("silo/a")]
    public void Other_names_are_refused_naming_the_setting(string name)
    {
        var result = Validate(new WorkerOptions { Name = name });

        Assert.True(result.Failed);
        Assert.Contains("Turbo:Worker:Name", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void The_host_may_take_the_drain_grace_and_the_silo_stop_and_the_process_a_little_more()
    {
        var options = new WorkerOptions { DrainGracePeriod = TimeSpan.FromMinutes(2) };

        Assert.Equal(TimeSpan.FromSeconds(150), options.ShutdownTimeout);
        Assert.True(options.ProcessTerminationTimeout > options.ShutdownTimeout);
        Assert.True(options.ProcessTerminationTimeout < options.DrainGracePeriod + TimeSpan.FromSeconds(45), "a pod's terminationGracePeriodSeconds of grace + 45 s must cover it");
    }

    private static ValidateOptionsResult Validate(WorkerOptions options) =>
        new WorkerOptionsValidator(Microsoft.Extensions.Options.Options.Create(new LeaseOptions())).Validate(null, options);
}
