using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using TurboDiffusion.Cli.Farm;
using TurboDiffusion.Client.Models;

namespace TurboDiffusion.Cli.Commands.Remote;

/// <summary><c>turbo status [JOB_ID]</c>: one job in detail, or the tenant's latest jobs; <c>turbo status --batch ID</c>: a batch (see <see cref="BatchStatus"/>).</summary>
public static class StatusCommand
{
    public static Command Create(Func<IConfigurationRoot> configuration)
    {
        var connection = new GatewayConnection();
        var id = new Argument<string?>("job-id") { Description = "The job; leave out to list your latest jobs.", Arity = ArgumentArity.ZeroOrOne };
        var limit = new Option<int>("--limit") { Description = "Jobs to list.", DefaultValueFactory = _ => 20 };
        var batch = new Option<string?>("--batch") { Description = "A batch: its jobs per status, how many finish per minute and when the rest will be done." };
        var watch = new Option<bool>("--watch") { Description = "With --batch: look again every --interval until the batch finishes, the pace measured from the first look." };
        var interval = new Option<int>("--interval") { Description = "Seconds between looks with --watch.", DefaultValueFactory = _ => 10 };
        var command = new Command("status", "Show a job (parameters, progress, timings, attempts), a batch (counts, pace, ETA), or list your latest jobs.")
        {
            id, limit, batch, watch, interval,
        };
        connection.AddTo(command);
        command.SetAction((parse, cancellationToken) => GatewayConnection.RunAsync(parse.InvocationConfiguration.Error, async () =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            using var client = connection.Connect(parse, configuration());
            if (parse.GetValue(batch) is { } batchId)
            {
                if (parse.GetValue(id) is not null)
                {
                    throw new ArgumentException("Give either a JOB_ID or --batch BATCH_ID, not both.");
                }

                if (parse.GetValue(interval) < 1)
                {
                    throw new ArgumentException($"--interval {parse.GetValue(interval)} is below 1 second; give the seconds between looks.");
                }

                var every = parse.GetValue(watch) ? TimeSpan.FromSeconds(parse.GetValue(interval)) : (TimeSpan?)null;
                return await BatchStatus.ShowAsync(client, batchId, every, stdout, TimeProvider.System, cancellationToken).ConfigureAwait(false);
            }

            if (parse.GetValue(id) is not { } jobId)
            {
                var page = await client.ListAsync(page: new PageRequest(parse.GetValue(limit)), cancellationToken: cancellationToken).ConfigureAwait(false);
                foreach (var job in page.Items)
                {
                    stdout.WriteLine($"{job.Id}  {RenderProgress.Describe(job),-18} {job.Timings.SubmittedAt:u}  {Shorten(job.Prompt)}");
                }

                return 0;
            }

            Describe(stdout, await client.GetAsync(jobId, cancellationToken).ConfigureAwait(false), DateTimeOffset.UtcNow);
            return 0;
        }));
        return command;
    }

    public static void Describe(TextWriter output, JobView job, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(job);
        output.WriteLine($"job {job.Id} ({job.Tenant}{(job.BatchId is null ? "" : $", batch {job.BatchId}")}): {RenderProgress.Describe(job)}");
        output.WriteLine($"  prompt: {job.Prompt}");
        output.WriteLine($"  {job.Model}, {WireNames.Of(job.Resolution)} {WireNames.Of(job.AspectRatio)}, {job.Frames} frames, {job.Steps} steps, seed {job.Seed}, priority {WireNames.Of(job.Priority)}, pool {job.Pool}");
        if (job.WaitingReason is { } reason)
        {
            output.WriteLine($"  waiting: {reason}");
        }

        if (job.Estimate is { } estimate)
        {
            output.WriteLine(Estimate(estimate, now));
        }

        var t = job.Timings;
        output.WriteLine($"  submitted {t.SubmittedAt:u}; queued {Seconds(t.QueuedAt, t.LeasedAt)}; running {Seconds(t.StartedAt, t.UploadStartedAt ?? t.FinishedAt)}; uploading {Seconds(t.UploadStartedAt, t.FinishedAt)}");
        foreach (var attempt in job.Attempts)
        {
            output.WriteLine($"  attempt {attempt.Number} on {attempt.WorkerId}: {attempt.Outcome ?? "running"}{(attempt.Detail is null ? "" : $" ({attempt.Detail})")}");
        }

        if (job.Failure is { } failure)
        {
            output.WriteLine($"  failed ({failure.Reason}): {failure.Message}");
        }

        if (job.Artifact is { } artifact)
        {
            output.WriteLine($"  video: {artifact.VideoUrl} ({artifact.Bytes} bytes); `turbo download {job.Id}` saves it");
        }
    }

    /// <summary>
    /// The estimate as one line: a waiting job's place, the work ahead, the workers and when it should start and
    /// finish; a running job's expected finish and its measured seconds a step.
    /// </summary>
    public static string Estimate(EstimateView estimate, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(estimate);
        if (estimate.Cause is null)
        {
            return $"  finishes {When(estimate.FinishAt, now)}{(estimate.StepSeconds is { } step ? string.Create(CultureInfo.InvariantCulture, $", {step:0.00} s a step") : "")}";
        }

        var parts = new List<string>();
        if (estimate.Position is { } position)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"position {position}, {estimate.AheadGpuSeconds:0.#} GPU-s ahead"));
        }

        parts.Add($"{estimate.BusyWorkers} of {estimate.Workers} worker{(estimate.Workers == 1 ? "" : "s")} busy");
        parts.Add(estimate.StartAt is null ? "no start expected yet" : $"starts {When(estimate.StartAt, now)}, finishes {When(estimate.FinishAt, now)}");
        return string.Create(CultureInfo.InvariantCulture, $"  estimate: {string.Join("; ", parts)} ({estimate.JobSeconds:0.#} s a job, {estimate.CostSource})");
    }

    private static string When(DateTimeOffset? at, DateTimeOffset now)
    {
        if (at is not { } time)
        {
            return "-";
        }

        var left = Math.Max(0, (time - now).TotalSeconds);
        var span = left < 90 ? $"{left:0} s" : left < 5400 ? $"{left / 60:0} min" : $"{left / 3600:0.#} h";
        return string.Create(CultureInfo.InvariantCulture, $"~{time.UtcDateTime:HH:mm:ss} UTC (in {span})");
    }

    private static string Seconds(DateTimeOffset? from, DateTimeOffset? to) =>
        from is { } start && to is { } end ? $"{(end - start).TotalSeconds:F1} s" : "-";

    private static string Shorten(string prompt) => prompt.Length <= 60 ? prompt : prompt[..57] + "...";
}
