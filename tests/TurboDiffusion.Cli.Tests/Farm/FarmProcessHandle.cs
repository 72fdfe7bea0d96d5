using System.Diagnostics;

namespace TurboDiffusion.Cli.Tests.Farm;

/// <summary>One <c>turbo</c> process of the fleet: started from the built CLI with its own settings, its output in a log file.</summary>
internal sealed class FarmProcessHandle : IDisposable
{
    private readonly Process process;
    private readonly StreamWriter log;

    private FarmProcessHandle(string name, Uri? http, Process process, StreamWriter log)
    {
        (Name, Http, this.process, this.log) = (name, http, process, log);
    }

    public string Name { get; }

    /// <summary>Where the process serves HTTP, when the fleet chose the address.</summary>
    public Uri? Http { get; }

    public bool HasExited => process.HasExited;

    public int ExitCode => process.ExitCode;

    /// <summary>Starts <c>turbo {arguments}</c> with <paramref name="environment"/> added to this process's environment.</summary>
    public static FarmProcessHandle Start(string name, Uri? http, string logPath, IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "turbo"), arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(logPath)!,
        };
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var log = new StreamWriter(logPath) { AutoFlush = true };
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Write(log, e.Data);
        process.ErrorDataReceived += (_, e) => Write(log, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new FarmProcessHandle(name, http, process, log);
    }

    /// <summary>SIGKILL: the process ends at once, with no drain and no goodbye to the cluster.</summary>
    public void KillHard() => process.Kill();

    /// <summary>SIGTERM, as Kubernetes stops a pod.</summary>
    public void Terminate()
    {
        using var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }

        process.Dispose();
        lock (log)
        {
            log.Dispose();
        }
    }

    private static void Write(StreamWriter log, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            if (log.BaseStream.CanWrite)
            {
                log.WriteLine(line);
            }
        }
    }
}
