using Spectre.Console;
using TurboDiffusion.Cli.Commands;
using TurboDiffusion.Cli.Failures;
using TurboDiffusion.Cli.Logging;
using TurboDiffusion.Client.Models;

namespace TurboDiffusion.Cli.Farm;

/// <summary>
/// How <c>turbo render</c> shows a batch: live bars (one per job and one for all) in an interactive terminal; lines
/// when redirected (a job's line when its state or step changes, the whole at every 25 %); then a summary per job.
/// The farm's log entries meant for the terminal are printed between polls: above the bars, or as lines on stderr.
/// </summary>
public static class RenderDisplay
{
    public static async Task RunWithLinesAsync(RenderTracker tracker, TerminalNotices notices, TextWriter stdout, TextWriter stderr, TimeSpan pollInterval, CancellationToken cancellationToken)
    {
        var described = new Dictionary<string, string>();
        var lastOverall = -1;
        while (!await tracker.PollAsync(cancellationToken).ConfigureAwait(false))
        {
            notices.WriteTo(stderr);
            Report(tracker, stdout, described, ref lastOverall);
            await Task.Delay(pollInterval, cancellationToken).ConfigureAwait(false);
        }

        notices.WriteTo(stderr);
        Report(tracker, stdout, described, ref lastOverall);
    }

    private static void Report(RenderTracker tracker, TextWriter stdout, Dictionary<string, string> described, ref int lastOverall)
    {
        for (var i = 0; i < tracker.Jobs.Count; i++)
        {
            var job = tracker.Jobs[i];
            var text = RenderProgress.Describe(job);
            if (!described.TryGetValue(job.Id, out var before) || before != text)
            {
                described[job.Id] = text;
                stdout.WriteLine($"  {tracker.Names[i]}: {text}{(tracker.Written.Contains(job.Id) ? $" -> {tracker.Names[i]}.mp4" : "")}");
            }
        }

        var overall = (int)(tracker.Jobs.Average(RenderProgress.Fraction) * 100);
        if (overall / 25 > lastOverall / 25 || (overall == 100 && lastOverall != 100))
        {
            stdout.WriteLine($"overall: {overall} % ({tracker.Jobs.Count(j => j.IsFinished)} of {tracker.Jobs.Count} jobs finished)");
            lastOverall = overall;
        }
    }

    public static Task RunWithBarsAsync(RenderTracker tracker, TerminalNotices notices, TimeSpan pollInterval, CancellationToken cancellationToken) =>
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                var overall = context.AddTask("[bold]all jobs[/]", maxValue: 1);
                var bars = tracker.Names.Select(n => context.AddTask(Markup.Escape(n), maxValue: 1)).ToList();
                bool done;
                do
                {
                    done = await tracker.PollAsync(cancellationToken).ConfigureAwait(false);
                    foreach (var notice in notices.Take())
                    {
                        // Written through AnsiConsole while the bars are live, a line lands above them.
                        AnsiConsole.WriteLine(notice);
                    }

                    for (var i = 0; i < bars.Count; i++)
                    {
                        bars[i].Value = RenderProgress.Fraction(tracker.Jobs[i]);
                        bars[i].Description = Markup.Escape($"{tracker.Names[i]} ({RenderProgress.Describe(tracker.Jobs[i])})");
                    }

                    overall.Value = tracker.Jobs.Average(RenderProgress.Fraction);
                    if (!done)
                    {
                        await Task.Delay(pollInterval, cancellationToken).ConfigureAwait(false);
                    }
                }
                while (!done);
            });

    /// <summary>"done: ...", then one line per job: its video, or why it failed and the fix.</summary>
    public static void WriteSummary(TextWriter stdout, RenderTracker tracker, TimeSpan elapsed, string logPath)
    {
        var succeeded = tracker.Jobs.Count(j => j.Status == JobStatus.Succeeded);
        stdout.WriteLine($"done: {succeeded} of {tracker.Jobs.Count} jobs succeeded in {elapsed.TotalSeconds:F1} s; videos in {tracker.OutDirectory}, log (stack traces included) in {logPath}");
        for (var i = 0; i < tracker.Jobs.Count; i++)
        {
            var job = tracker.Jobs[i];
            var seconds = job.Timings.FinishedAt - (job.Timings.StartedAt ?? job.Timings.LeasedAt);
            var detail = job.Status == JobStatus.Succeeded ? $"{tracker.Names[i]}.mp4"
                : job.Failure is { } failure ? ReadableFailure.From(failure).ToString()
                : "";
            stdout.WriteLine($"  {tracker.Names[i],-40} {job.Status.ToString().ToLowerInvariant(),-10} {seconds?.TotalSeconds,7:F1} s  {detail}");
        }
    }
}
