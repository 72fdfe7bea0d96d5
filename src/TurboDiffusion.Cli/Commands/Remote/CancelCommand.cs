using System.CommandLine;
using Microsoft.Extensions.Configuration;
using TurboDiffusion.Client.Models;

namespace TurboDiffusion.Cli.Commands.Remote;

/// <summary><c>turbo cancel JOB_ID</c>: a queued job ends at once, a running one at its next step.</summary>
public static class CancelCommand
{
    public static Command Create(Func<IConfigurationRoot> configuration)
    {
        var connection = new GatewayConnection();
        var id = new Argument<string>("job-id") { Description = "The job to cancel." };
        var command = new Command("cancel", "Cancel a job: at once when queued, at the next step when running.") { id };
        connection.AddTo(command);
        command.SetAction((parse, cancellationToken) => GatewayConnection.RunAsync(parse.InvocationConfiguration.Error, async () =>
        {
            using var client = connection.Connect(parse, configuration());
            var job = await client.CancelAsync(parse.GetValue(id)!, cancellationToken).ConfigureAwait(false);
            parse.InvocationConfiguration.Output.WriteLine(job.IsFinished
                ? $"job {job.Id}: {WireNames.Of(job.Status)}"
                : $"job {job.Id}: cancel requested; it stops at its next step");
            return 0;
        }));
        return command;
    }
}
