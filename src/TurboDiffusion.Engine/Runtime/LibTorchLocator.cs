using System.Diagnostics;
using System.Text.RegularExpressions;

namespace TurboDiffusion.Engine.Runtime;

/// <summary>
/// Finds libtorch: the explicit setting, else an installed PyTorch's <c>torch/lib</c>, else the
/// libtorch-cpu NuGet package deployed next to the application. Every place looked at is recorded,
/// so a failure can say what was searched and found.
/// </summary>
public static partial class LibTorchLocator
{
    private const string LibTorch = "libtorch.so";
    private static readonly TimeSpan PythonTimeout = TimeSpan.FromSeconds(20);

    public static LibTorchLocation Locate(TorchRuntimeOptions options)
    {
        var searched = new List<string>();
        if (options.LibTorchDir is { } configured)
        {
            var directory = Path.GetFullPath(configured);
            if (File.Exists(Path.Combine(directory, LibTorch)))
            {
                return Describe(directory, LibTorchSource.Setting);
            }

            throw new LibTorchNotFoundException(
                $"The setting {TorchRuntimeOptions.Section}:LibTorchDir points to '{directory}', which has no {LibTorch}" +
                $"{(Directory.Exists(directory) ? "" : " (the directory does not exist)")}. " +
                "Point it at a PyTorch install's torch/lib or an unpacked libtorch's lib directory, or unset it to search automatically.");
        }

        searched.Add($"setting {TorchRuntimeOptions.Section}:LibTorchDir (env Turbo__Engine__LibTorchDir): not set");

        var (torchLib, pythonReport) = FindPyTorch(options.Python);
        searched.Add($"PyTorch through '{options.Python}': {pythonReport}");
        if (torchLib is not null)
        {
            return Describe(torchLib, LibTorchSource.PyTorch);
        }

        foreach (var directory in ApplicationNativeDirectories())
        {
            if (File.Exists(Path.Combine(directory, LibTorch)))
            {
                return Describe(directory, LibTorchSource.Package);
            }

            searched.Add($"libtorch-cpu package next to the application: {directory} has no {LibTorch}");
        }

        throw new LibTorchNotFoundException(
            "libtorch was not found. Searched:\n  - " + string.Join("\n  - ", searched) + "\n" +
            "Fix: on a CUDA host install PyTorch for the interpreter above (or set Turbo__Engine__LibTorchDir to its torch/lib); " +
            "on a CPU host build or publish without -p:LibTorch=external so the libtorch-cpu-linux-x64 package is deployed with the application.");
    }

    /// <summary>The application directory and its RID-specific native asset directory, where NuGet native files land.</summary>
    public static IEnumerable<string> ApplicationNativeDirectories()
    {
        var app = AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar);
        yield return app;
        yield return Path.Combine(app, "runtimes", "linux-x64", "native");
    }

    private static (string? TorchLib, string Report) FindPyTorch(string python)
    {
        // find_spec locates the package without importing it (an import of torch takes seconds).
        const string script = "import importlib.util as u; s = u.find_spec('torch'); print(s.submodule_search_locations[0] if s else '')";
        var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("no process");
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return (null, "interpreter not found");
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(PythonTimeout))
            {
                process.Kill(entireProcessTree: true);
                return (null, $"no answer within {PythonTimeout.TotalSeconds:0} s");
            }

            var package = output.Result.Trim();
            if (process.ExitCode != 0)
            {
                return (null, $"exited with {process.ExitCode}: {error.Result.Trim()}");
            }

            if (package.Length == 0)
            {
                return (null, "no 'torch' module installed");
            }

            var lib = Path.Combine(package, "lib");
            return File.Exists(Path.Combine(lib, LibTorch))
                ? (lib, $"found {lib}")
                : (null, $"torch at {package} has no lib/{LibTorch}");
        }
    }

    private static LibTorchLocation Describe(string directory, LibTorchSource source) =>
        new(directory, source, ReadVersion(directory), File.Exists(Path.Combine(directory, "libtorch_cuda.so")));

    private static string? ReadVersion(string directory)
    {
        // PyTorch: torch/version.py beside torch/lib. Unpacked libtorch: build-version beside lib.
        var versionPy = Path.Combine(directory, "..", "version.py");
        if (File.Exists(versionPy) && PythonVersion().Match(File.ReadAllText(versionPy)) is { Success: true } py)
        {
            return py.Groups[1].Value;
        }

        var buildVersion = Path.Combine(directory, "..", "build-version");
        if (File.Exists(buildVersion))
        {
            return File.ReadAllText(buildVersion).Trim();
        }

        // The NuGet package: its version is recorded in the application's dependency manifest.
        return Directory.EnumerateFiles(AppContext.BaseDirectory, "*.deps.json")
            .Select(f => PackageVersion().Match(File.ReadAllText(f)))
            .FirstOrDefault(m => m.Success)?.Groups[1].Value;
    }

    [GeneratedRegex(@"__version__\s*=\s*['""]([^'""]+)['""]")]
    private static partial Regex PythonVersion();

    [GeneratedRegex(@"""libtorch-cpu-linux-x64/([^""]+)""")]
    private static partial Regex PackageVersion();
}
