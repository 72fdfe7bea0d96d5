using System.CommandLine;
using Microsoft.Extensions.Configuration;
using TurboDiffusion.Client;

namespace TurboDiffusion.Cli.Commands.Remote;

/// <summary><c>turbo download JOB_ID [--out FILE.mp4]</c>: saves a finished job's video and its JSON sidecar.</summary>
public static class DownloadCommand
{
    public static Command Create(Func<IConfigurationRoot> configuration)
    {
        var connection = new GatewayConnection();
        var id = new Argument<string>("job-id") { Description = "A job that succeeded." };
        var output = new Option<FileInfo?>("--out") { Description = "The MP4 to write (its .json beside it); default: JOB_ID.mp4." };
        var command = new Command("download", "Save a finished job's video and JSON sidecar.") { id, output };
        connection.AddTo(command);
        command.SetAction((parse, cancellationToken) => GatewayConnection.RunAsync(parse.InvocationConfiguration.Error, async () =>
        {
            var jobId = parse.GetValue(id)!;
            var path = parse.GetValue(output)?.FullName ?? Path.GetFullPath($"{jobId}.mp4");
            using var client = connection.Connect(parse, configuration());
            await client.DownloadAsync(jobId, path, ArtifactFile.Video, cancellationToken).ConfigureAwait(false);
            await client.DownloadAsync(jobId, Path.ChangeExtension(path, ".json"), ArtifactFile.Sidecar, cancellationToken).ConfigureAwait(false);
            parse.InvocationConfiguration.Output.WriteLine($"wrote {path} and {Path.ChangeExtension(path, ".json")}");
            return 0;
        }));
        return command;
    }
}
