using System.CommandLine;
using Microsoft.Extensions.Configuration;
using TurboDiffusion.Client.Models;

namespace TurboDiffusion.Cli.Commands.Remote;

/// <summary><c>turbo watch JOB_ID</c>: prints each state change and step until the job finishes; exit 0 when it succeeded, 1 otherwise.</summary>
public static class WatchCommand
{
    public static Command Create(Func<IConfigurationRoot> configuration)
    {
        var connection = new GatewayConnection();
        var id = new Argument<string>("job-id") { Description = "The job to follow." };
        var command = new Command("watch", "Follow a job's progress until it finishes (resumes by itself after a dropped connection).") { id };
        connection.AddTo(command);
        command.SetAction((parse, cancellationToken) => GatewayConnection.RunAsync(parse.InvocationConfiguration.Error, async () =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            using var client = connection.Connect(parse, configuration());
            JobView? last = null;
            await foreach (var e in client.WatchAsync(parse.GetValue(id)!, cancellationToken).ConfigureAwait(false))
            {
                switch (e)
                {
                    case JobStateEvent state:
                        last = state.Job;
                        stdout.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss} {WireNames.Of(state.Job.Status)}{(state.Job.Failure is { } f ? $": {f.Message}" : "")}");
                        break;
                    case JobProgressEvent progress:
                        stdout.WriteLine($"{progress.At:HH:mm:ss}   {progress.Stage.Replace('_', ' ')} {progress.Done}/{progress.Total}");
                        break;
                }
            }

            return last?.Status == JobStatus.Succeeded ? 0 : GatewayConnection.Failed;
        }));
        return command;
    }
}
