using Spectre.Console;
using TurboDiffusion.Engine;

namespace TurboDiffusion.Cli.Commands;

/// <summary>Live progress bars, one per stage, for an interactive terminal; redirected output gets <see cref="GenerationProgressPrinter"/> lines.</summary>
public static class GenerationProgressBars
{
    public static bool Usable(TextWriter output) =>
        ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;

    public static Task<T> RunAsync<T>(Func<IProgress<GenerationProgress>, Task<T>> work) =>
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(context =>
            {
                var bars = new Dictionary<GenerationStage, ProgressTask>();
                var gate = new Lock();
                return work(new Relay(e =>
                {
                    lock (gate)
                    {
                        if (!bars.TryGetValue(e.Stage, out var bar))
                        {
                            bars[e.Stage] = bar = context.AddTask(GenerationProgressPrinter.Describe(e.Stage));
                        }

                        bar.MaxValue = Math.Max(1, e.Total);
                        bar.Value = e.Done;
                    }
                }));
            });

    private sealed class Relay(Action<GenerationProgress> report) : IProgress<GenerationProgress>
    {
        public void Report(GenerationProgress value) => report(value);
    }
}
