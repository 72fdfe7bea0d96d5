using System.Globalization;
using Microsoft.Extensions.Logging;

namespace TurboDiffusion.Cli.Logging;

/// <summary>One log entry as text: "warn: Category: message", the exception with its stack trace on the lines below.</summary>
public static class LogEntryText
{
    public static string Format(LogLevel level, string category, string message, Exception? exception, DateTimeOffset? at = null)
    {
        var time = at is { } t ? t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff'Z' ", CultureInfo.InvariantCulture) : "";
        var line = $"{time}{Name(level)}: {category}: {message}";
        return exception is null ? line : $"{line}{Environment.NewLine}{exception}";
    }

    /// <summary>The four-letter names of the console logger, so the file reads like the farm's own log.</summary>
    private static string Name(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        _ => "crit",
    };
}
