using System.Text.RegularExpressions;
using TurboDiffusion.Client.Models;
using TurboDiffusion.Engine;
using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Silo.Worker;

namespace TurboDiffusion.Cli.Failures;

/// <summary>A failure as a person reads it: the message on one line, without a .NET type name, and the fix where one is known.</summary>
public sealed partial record ReadableFailure(string Message, string? Fix)
{
    /// <summary>
    /// A job's failure as the gateway reports it. The farm puts the exception's type name before an engine error's
    /// message, and ffmpeg's failures carry its last lines on stderr: both would break the one line a job gets.
    /// </summary>
    public static ReadableFailure From(FailureView failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        var prefix = TypeNamePrefix().Match(failure.Message);
        var errorType = prefix.Success ? prefix.Groups["type"].Value : null;
        var message = failure.Message[prefix.Length..];

        // A failure of the worker's machine carries its own fix: "the encoder crashed ... Fix: reinstall ffmpeg."
        var fix = message.IndexOf(MachineFaultException.FixSeparator, StringComparison.Ordinal);
        return fix >= 0
            ? new ReadableFailure(SingleLine.Of(message[..fix]), SingleLine.Of(message[(fix + MachineFaultException.FixSeparator.Length)..]))
            : new ReadableFailure(SingleLine.Of(message), FailureHint.For(failure.Reason, errorType));
    }

    /// <summary>A failure of this process's own engine, classified as the farm's worker would classify it.</summary>
    public static ReadableFailure From(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return error is MachineFaultException machine
            ? new ReadableFailure(SingleLine.Of(error.Message), machine.Fix)
            : new ReadableFailure(SingleLine.Of(error.Message), FailureHint.For(FailureClassifier.Classify(error).Label(), error.GetType().Name));
    }

    /// <summary>"message; fix: what to do", one line.</summary>
    public override string ToString() => Fix is null ? Message : $"{Message}; fix: {Fix}";

    [GeneratedRegex(@"^(?:[A-Za-z_][A-Za-z0-9_]*\.)*(?<type>[A-Za-z_][A-Za-z0-9_]*Exception): ", RegexOptions.CultureInvariant)]
    private static partial Regex TypeNamePrefix();
}
