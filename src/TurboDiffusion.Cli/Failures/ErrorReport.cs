namespace TurboDiffusion.Cli.Failures;

/// <summary>How a command reports the failure that ended it: "error: message", then "fix: ..." where one is known, then the stack trace only when asked for.</summary>
public static class ErrorReport
{
    /// <param name="traceHint">Where the stack trace can be had instead, said when it is not shown; null for failures whose message is the whole story.</param>
    public static void Write(TextWriter error, Exception exception, bool verbose, string? traceHint = null)
    {
        ArgumentNullException.ThrowIfNull(error);
        var failure = ReadableFailure.From(exception);
        error.WriteLine($"error: {failure.Message}");
        if (failure.Fix is not null)
        {
            error.WriteLine($"fix: {failure.Fix}");
        }

        if (verbose)
        {
            error.WriteLine(exception);
        }
        else if (traceHint is not null)
        {
            error.WriteLine(traceHint);
        }
    }
}
