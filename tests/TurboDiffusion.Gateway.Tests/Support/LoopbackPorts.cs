using System.Net;
using System.Net.Sockets;

namespace TurboDiffusion.Gateway.Tests.Support;

/// <summary>Free loopback ports, distinct from each other.</summary>
public static class LoopbackPorts
{
    /// <summary>
    /// <paramref name="count"/> ports free at the time of the call. All listeners stay open until every port is
    /// chosen: the kernel hands a just-closed port out again, so ports taken one at a time can repeat.
    /// </summary>
    public static int[] Take(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        try
        {
            listeners.ForEach(l => l.Start());
            return [.. listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)];
        }
        finally
        {
            listeners.ForEach(l => l.Dispose());
        }
    }
}
