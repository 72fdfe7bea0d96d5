using System.CommandLine;
using Microsoft.Extensions.Configuration;
using TurboDiffusion.Cli.Farm;
using TurboDiffusion.Client;

namespace TurboDiffusion.Cli.Commands.Remote;

/// <summary>
/// <c>turbo download JOB_ID [--out FILE.mp4]</c>: saves a finished job's video and its JSON sidecar.
/// <c>turbo download --batch BATCH_ID [--out DIR] [--parallel N]</c>: saves every succeeded job of a batch, skipping
/// files an earlier run saved; exits 1 when any job's files could not be saved.
/// </summary>
public static class DownloadCommand
{
    public static Command Create(Func<IConfigurationRoot> configuration)
    {
        var connection = new GatewayConnection();
        var id = new Argument<string?>("job-id") { Description = "A job that succeeded; leave out with --batch.", Arity = ArgumentArity.ZeroOrOne };
        var batch = new Option<string?>("--batch") { Description = "Save every succeeded job of this batch as JOB_ID.mp4 and JOB_ID.json; jobs already saved are skipped." };
        var output = new Option<string?>("--out") { Description = "The MP4 to write (its .json beside it); default: JOB_ID.mp4. With --batch, the folder; default: BATCH_ID." };
        var parallel = new Option<int>("--parallel")
        {
            Description = $"With --batch: downloads at a time, {BatchDownload.MinParallel} to {BatchDownload.MaxParallel}.",
            DefaultValueFactory = _ => BatchDownload.DefaultParallel,
        };
        var command = new Command("download", "Save a finished job's video and JSON sidecar, or with --batch those of every succeeded job of a batch.")
        {
            id, batch, output, parallel,
        };
        connection.AddTo(command);
        command.SetAction((parse, cancellationToken) => GatewayConnection.RunAsync(parse.InvocationConfiguration.Error, async () =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var jobId = parse.GetValue(id);
            var batchId = parse.GetValue(batch);
            if ((jobId is null) == (batchId is null))
            {
                throw new ArgumentException(jobId is null
                    ? "Give the JOB_ID of a job, or --batch BATCH_ID for every job of a batch."
                    : "Give either a JOB_ID or --batch BATCH_ID, not both.");
            }

            using var client = connection.Connect(parse, configuration());
            if (batchId is not null)
            {
                return await DownloadBatchAsync(parse, client, batchId, parse.GetValue(output), parse.GetValue(parallel), cancellationToken).ConfigureAwait(false);
            }

            var path = Path.GetFullPath(parse.GetValue(output) ?? $"{jobId}.mp4");
            await client.DownloadAsync(jobId!, path, ArtifactFile.Video, cancellationToken).ConfigureAwait(false);
            await client.DownloadAsync(jobId!, Path.ChangeExtension(path, ".json"), ArtifactFile.Sidecar, cancellationToken).ConfigureAwait(false);
            stdout.WriteLine($"wrote {path} and {Path.ChangeExtension(path, ".json")}");
            return 0;
        }));
        return command;
    }

    private static async Task<int> DownloadBatchAsync(ParseResult parse, TurboFarmClient client, string batchId, string? output, int parallel, CancellationToken cancellationToken)
    {
        if (parallel is < BatchDownload.MinParallel or > BatchDownload.MaxParallel)
        {
            throw new ArgumentException($"--parallel {parallel} is outside {BatchDownload.MinParallel} to {BatchDownload.MaxParallel}; {BatchDownload.DefaultParallel} suits most links.");
        }

        var directory = Path.GetFullPath(output ?? batchId);
        if (File.Exists(directory))
        {
            throw new ArgumentException($"--out {directory} is a file; with --batch give a folder (created when missing).");
        }

        var stdout = parse.InvocationConfiguration.Output;
        var tally = await new BatchDownload(client, directory, parallel, stdout, parse.InvocationConfiguration.Error)
            .RunAsync(batchId, cancellationToken).ConfigureAwait(false);
        stdout.WriteLine($"batch {batchId} into {directory}: {tally}");
        return tally[BatchDownloadOutcome.Failed] == 0 ? 0 : GatewayConnection.Failed;
    }
}
