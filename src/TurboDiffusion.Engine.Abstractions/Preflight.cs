namespace TurboDiffusion.Engine;

/// <summary>One thing that stops this machine from rendering: the check that found it, what is wrong and how to fix it.</summary>
/// <param name="Check">e.g. "encoder", "scratch space", "model files".</param>
public sealed record PreflightProblem(string Check, string Problem, string Fix)
{
    public override string ToString() => $"{Check}: {Problem}{MachineFaultException.FixSeparator}{Fix}";

    /// <summary>All problems on one line, for a status field or a log entry.</summary>
    public static string Describe(IEnumerable<PreflightProblem> problems) => string.Join("; ", problems);
}

/// <summary>What a preflight covers: the models the engine will be asked for, and the folder it writes videos in.</summary>
/// <param name="Models">Model ids or directories whose files must be readable; built-in models need none.</param>
/// <param name="ScratchDirectory">Where videos are written before they move on; the encoder's self-test runs there.</param>
public sealed record PreflightRequest(IReadOnlyCollection<string> Models, string ScratchDirectory);

/// <summary>
/// The machine failed, not the request: a tool is missing, the encoder crashed, the disk is full, the model did not
/// fit the device at load. The same request may succeed on another machine, so it must not count against the job.
/// </summary>
public sealed class MachineFaultException(string message, string fix, Exception? innerException = null) : Exception(message, innerException)
{
    /// <summary>Between the problem and its fix in <see cref="Describe"/>, so a reader of the one line can split them again.</summary>
    public const string FixSeparator = " Fix: ";

    /// <summary>What an operator does about it.</summary>
    public string Fix { get; } = fix;

    /// <summary>"problem Fix: fix", one line for a job's record.</summary>
    public string Describe() => Message + FixSeparator + Fix;
}
