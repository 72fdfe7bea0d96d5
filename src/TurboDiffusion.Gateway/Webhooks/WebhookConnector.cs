using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace TurboDiffusion.Gateway.Webhooks;

/// <summary>
/// Opens the webhook client's connections: resolves the host, checks every address (<see cref="WebhookTargets"/>),
/// and connects to the checked addresses themselves. A host that resolved to a public address at submission and to
/// a private one now (DNS rebinding) is refused here, because nothing resolves the name again after the check.
/// </summary>
public sealed class WebhookConnector(IOptionsMonitor<WebhookOptions> options)
{
    /// <summary>The handler of the webhook client: connections through <see cref="ConnectAsync"/>, no proxy (it would connect instead of us) and no redirects (a redirect is a receiver's error, not a new target).</summary>
    public SocketsHttpHandler CreateHandler() => new()
    {
        ConnectCallback = ConnectAsync,
        UseProxy = false,
        AllowAutoRedirect = false,
    };

    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var target = context.DnsEndPoint;
        var addresses = await WebhookTargets.ResolveAsync(target.Host, cancellationToken);
        if (!options.CurrentValue.AllowPrivateTargets && WebhookTargets.FirstRefused(addresses) is (IPAddress address, string reason))
        {
            throw new WebhookTargetRefusedException(target.Host, address, reason);
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, target.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
