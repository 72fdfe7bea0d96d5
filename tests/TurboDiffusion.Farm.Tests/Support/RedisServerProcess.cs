using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;

namespace TurboDiffusion.Farm.Tests.Support;

/// <summary>
/// A redis-server of the test's own, with AOF on as production runs it, on a free loopback port: restarting it
/// disturbs no other test. The data directory survives restarts, so a restart replays the AOF.
/// </summary>
internal sealed class RedisServerProcess : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("redis-").FullName;
    private Process? process;

    private RedisServerProcess(int port) => Port = port;

    public int Port { get; }

    public string Endpoint => $"127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}";

    public static async Task<RedisServerProcess> StartAsync()
    {
        var server = new RedisServerProcess(FreePort());
        await server.StartProcessAsync();
        return server;
    }

    /// <summary>Ends the server at once (no save beyond what the AOF already holds), waits, and starts it again.</summary>
    public async Task RestartAsync(TimeSpan down)
    {
        Kill();
        await Task.Delay(down);
        await StartProcessAsync();
    }

    public void Dispose()
    {
        Kill();
        Directory.Delete(directory, recursive: true);
    }

    private async Task StartProcessAsync()
    {
        var start = new ProcessStartInfo("redis-server", ["--port", Port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", directory,
            "--appendonly", "yes", "--appendfsync", "always", "--save", ""])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("redis-server is not installed; tests/run.sh installs it (apt-get install redis-server).", e);
        }

        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", Port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }
    }

    private void Kill()
    {
        if (process is { HasExited: false })
        {
            process.Kill();
            process.WaitForExit();
        }

        process?.Dispose();
        process = null;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
