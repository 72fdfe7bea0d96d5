using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace TurboDiffusion.Cli.Benchmarks;

/// <summary>
/// <c>turbo gateway</c> started as a child OS process of this one, configured through environment variables, so its
/// memory is its own: read from the operating system (working set, and its peak, VmHWM on Linux) and from its
/// <c>/metrics</c> (<c>dotnet_total_memory_bytes</c>, the managed heap as the runtime reports it).
/// </summary>
public sealed class GatewayProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private const int TailLines = 20;
    private readonly Process process;
    private readonly HttpClient http;
    private readonly ConcurrentQueue<string> tail = new();

    private GatewayProcess(Process process, Uri address)
    {
        this.process = process;
        Address = address;
        http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(10) };
    }

    public Uri Address { get; }

    /// <summary>Starts the gateway with <paramref name="settings"/> (configuration keys such as Turbo:Redis:ConnectionString) and waits until it is ready.</summary>
    public static async Task<GatewayProcess> StartAsync(IReadOnlyDictionary<string, string?> settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var address = new Uri($"http://127.0.0.1:{FreePort().ToString(CultureInfo.InvariantCulture)}/");
        var host = Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath! : "dotnet";
        var start = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(typeof(GatewayProcess).Assembly.Location);
        start.ArgumentList.Add("gateway");
        foreach (var (key, value) in settings)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        start.Environment["Turbo__Http__Urls"] = address.ToString().TrimEnd('/');
        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start '{host} {string.Join(' ', start.ArgumentList)}'.");
        var gateway = new GatewayProcess(process, address);
        process.OutputDataReceived += (_, line) => gateway.Keep(line.Data);
        process.ErrorDataReceived += (_, line) => gateway.Keep(line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await gateway.WaitReadyAsync(cancellationToken).ConfigureAwait(false);
            return gateway;
        }
        catch
        {
            await gateway.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The gateway's working set now, in MiB.</summary>
    public double WorkingSetMiB()
    {
        process.Refresh();
        return process.WorkingSet64 / (double)(1 << 20);
    }

    /// <summary>The most the gateway's working set has been since it started, in MiB.</summary>
    public double PeakWorkingSetMiB()
    {
        process.Refresh();
        return process.PeakWorkingSet64 / (double)(1 << 20);
    }

    /// <summary>The managed heap the gateway's runtime reports on /metrics, in MiB.</summary>
    public async Task<double> ManagedMiBAsync(CancellationToken cancellationToken)
    {
        var text = await http.GetStringAsync(new Uri("metrics", UriKind.Relative), cancellationToken).ConfigureAwait(false);
        var line = text.Split('\n').FirstOrDefault(l => l.StartsWith("dotnet_total_memory_bytes ", StringComparison.Ordinal))
            ?? throw new InvalidOperationException("The gateway's /metrics has no dotnet_total_memory_bytes.");
        return double.Parse(line["dotnet_total_memory_bytes ".Length..], CultureInfo.InvariantCulture) / (1 << 20);
    }

    /// <summary>Garbage collections the gateway's runtime has run so far, per generation (0, 1, 2), from its /metrics.</summary>
    public async Task<int[]> CollectionsAsync(CancellationToken cancellationToken)
    {
        var text = await http.GetStringAsync(new Uri("metrics", UriKind.Relative), cancellationToken).ConfigureAwait(false);
        return [.. Enumerable.Range(0, 3).Select(generation =>
        {
            var prefix = $"dotnet_collection_count_total{{generation=\"{generation.ToString(CultureInfo.InvariantCulture)}\"}} ";
            var line = text.Split('\n').FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal))
                ?? throw new InvalidOperationException($"The gateway's /metrics has no dotnet_collection_count_total for generation {generation}.");
            return (int)double.Parse(line[prefix.Length..], CultureInfo.InvariantCulture);
        })];
    }

    public async ValueTask DisposeAsync()
    {
        http.Dispose();
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync().ConfigureAwait(false);
        }

        process.Dispose();
    }

    private async Task WaitReadyAsync(CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < StartTimeout)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The gateway process exited with code {process.ExitCode} before it was ready; its last lines:\n{string.Join('\n', tail)}");
            }

            try
            {
                using var ready = await http.GetAsync(new Uri("readyz", UriKind.Relative), cancellationToken).ConfigureAwait(false);
                if (ready.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(200, cancellationToken).ConfigureAwait(false);
        }

        throw new TimeoutException($"The gateway process at {Address} was not ready within {StartTimeout.TotalSeconds:0} s.");
    }

    /// <summary>Keeps the last lines the gateway wrote, to tell why it did not start.</summary>
    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        tail.Enqueue(line);
        while (tail.Count > TailLines && tail.TryDequeue(out _))
        {
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
