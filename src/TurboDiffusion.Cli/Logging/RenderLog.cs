using Microsoft.Extensions.Logging;

namespace TurboDiffusion.Cli.Logging;

/// <summary>
/// Where <c>turbo render</c>'s farm logs: every entry, stack traces included, into <see cref="FileName"/> beside the
/// videos; to the terminal only errors, one line each, or with verbose every entry, through <see cref="Notices"/>.
/// </summary>
public sealed partial class RenderLog : IDisposable
{
    public const string FileName = "turbo-render.log";

    private readonly LogFileProvider file;

    private RenderLog(LogFileProvider file, TerminalNotices notices)
    {
        this.file = file;
        Notices = notices;
    }

    public string Path => file.Path;

    public TerminalNotices Notices { get; }

    public static RenderLog Open(string outDirectory, bool verbose) =>
        new(new LogFileProvider(System.IO.Path.Combine(outDirectory, FileName)), new TerminalNotices(verbose));

    /// <summary>Sends the farm's log here instead of to the console.</summary>
    public void Configure(ILoggingBuilder logging)
    {
        ArgumentNullException.ThrowIfNull(logging);
        logging.AddProvider(file).AddProvider(Notices)
            // The farm's own account of each job (leased, attempt ended, succeeded) is what a reader of the log
            // looks for; the frameworks' information lines would bury it.
            .AddFilter("TurboDiffusion", LogLevel.Information);
    }

    /// <summary>A failure of the command itself, with its stack trace, into the file only: the command reports it on the terminal.</summary>
    public void Record(Exception exception) => LogStopped(file.CreateLogger("TurboDiffusion.Cli.Render"), exception);

    public void Dispose()
    {
        file.Dispose();
        Notices.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "turbo render stopped")]
    private static partial void LogStopped(ILogger logger, Exception exception);
}
