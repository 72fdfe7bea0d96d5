using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace TurboDiffusion.Cli.Logging;

/// <summary>
/// Log entries for the terminal, held until whoever draws the terminal (the live bars, the progress lines) prints
/// them: a logger writing on its own thread would tear through the bars. Without verbose, only errors, each on one
/// line without its stack trace; with verbose, every entry the farm logs, stack traces included.
/// </summary>
public sealed class TerminalNotices(bool verbose) : ILoggerProvider
{
    private readonly ConcurrentQueue<string> pending = new();
    private readonly bool verbose = verbose;

    /// <summary>Entries logged since the last call, oldest first.</summary>
    public IReadOnlyList<string> Take()
    {
        var taken = new List<string>();
        while (pending.TryDequeue(out var entry))
        {
            taken.Add(entry);
        }

        return taken;
    }

    /// <summary>Prints the entries logged since the last call.</summary>
    public void WriteTo(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        foreach (var entry in Take())
        {
            output.WriteLine(entry);
        }
    }

    public ILogger CreateLogger(string categoryName) => new NoticeLogger(this, categoryName);

    public void Dispose()
    {
    }

    private void Add(LogLevel level, string category, string message, Exception? exception) =>
        pending.Enqueue(verbose
            ? LogEntryText.Format(level, category, message, exception)
            : $"farm error: {SingleLine.Of(message)}{(exception is null ? "" : $" ({SingleLine.Of(exception.Message)})")}");

    private sealed class NoticeLogger(TerminalNotices notices, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None && (notices.verbose || logLevel >= LogLevel.Error);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            ArgumentNullException.ThrowIfNull(formatter);
            if (IsEnabled(logLevel))
            {
                notices.Add(logLevel, category, formatter(state, exception), exception);
            }
        }
    }
}
