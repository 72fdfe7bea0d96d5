using Microsoft.Extensions.Logging;

namespace TurboDiffusion.Cli.Logging;

/// <summary>Writes every log entry it is given, with its stack trace, to one file; the file is replaced when opened.</summary>
public sealed class LogFileProvider : ILoggerProvider
{
    private readonly Lock gate = new();
    private readonly StreamWriter writer;
    private readonly TimeProvider time;
    private bool closed;

    public LogFileProvider(string path, TimeProvider? time = null)
    {
        Path = path;
        this.time = time ?? TimeProvider.System;
        // Flushed per entry: the log must hold the entries that came before a crash or a Ctrl+C.
        writer = new StreamWriter(path, append: false) { AutoFlush = true };
    }

    public string Path { get; }

    public ILogger CreateLogger(string categoryName) => new FileLogger(this, categoryName);

    public void Dispose()
    {
        lock (gate)
        {
            closed = true;
            writer.Dispose();
        }
    }

    private void Write(LogLevel level, string category, string message, Exception? exception)
    {
        var text = LogEntryText.Format(level, category, message, exception, time.GetUtcNow());
        lock (gate)
        {
            // A background service of the farm may still log while the command closes its log; that entry is dropped.
            if (!closed)
            {
                writer.WriteLine(text);
            }
        }
    }

    private sealed class FileLogger(LogFileProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            ArgumentNullException.ThrowIfNull(formatter);
            if (IsEnabled(logLevel))
            {
                provider.Write(logLevel, category, formatter(state, exception), exception);
            }
        }
    }
}
