using System.Net;
using System.Net.Sockets;

namespace TurboDiffusion.Farm.Tests.Support;

/// <summary>
/// A loopback TCP forwarder in front of a service (Azurite, say) that a test can close: while closed it refuses new
/// connections and cuts the open ones, as a network partition or a service outage would.
/// </summary>
internal sealed class TcpGate : IAsyncDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly int target;
    private readonly CancellationTokenSource stop = new();
    private readonly Lock gate = new();
    private readonly List<TcpClient> open = [];
    private readonly Task accepting;
    private bool closed;

    public TcpGate(int target)
    {
        this.target = target;
        listener.Start();
        accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

    /// <summary>Cuts every connection and refuses new ones for <paramref name="duration"/>.</summary>
    public async Task CloseForAsync(TimeSpan duration)
    {
        lock (gate)
        {
            closed = true;
            foreach (var client in open)
            {
                client.Dispose();
            }

            open.Clear();
        }

        await Task.Delay(duration);
        lock (gate)
        {
            closed = false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        listener.Stop();
        try
        {
            await accepting;
        }
        catch (OperationCanceledException)
        {
        }

        lock (gate)
        {
            open.ForEach(c => c.Dispose());
        }

        stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            TcpClient incoming;
            try
            {
                incoming = await listener.AcceptTcpClientAsync(stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = ForwardAsync(incoming);
        }
    }

    private async Task ForwardAsync(TcpClient incoming)
    {
        var outgoing = new TcpClient();
        lock (gate)
        {
            if (closed)
            {
                incoming.Dispose();
                outgoing.Dispose();
                return;
            }

            open.Add(incoming);
            open.Add(outgoing);
        }

        try
        {
            await outgoing.ConnectAsync(IPAddress.Loopback, target, stop.Token);
            var a = incoming.GetStream();
            var b = outgoing.GetStream();
            await Task.WhenAny(a.CopyToAsync(b, stop.Token), b.CopyToAsync(a, stop.Token));
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
        {
            // A cut or closed connection ends the forwarding; the client sees the connection drop.
        }
        finally
        {
            lock (gate)
            {
                open.Remove(incoming);
                open.Remove(outgoing);
            }

            incoming.Dispose();
            outgoing.Dispose();
        }
    }
}
