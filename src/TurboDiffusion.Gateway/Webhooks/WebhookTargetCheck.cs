using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace TurboDiffusion.Gateway.Webhooks;

/// <summary>
/// Refuses a job's webhook at submission when its host resolves to an address webhooks may not go to
/// (<see cref="WebhookTargets"/>), so the tenant hears why at once; the call checks the address again when it
/// connects (<see cref="WebhookConnector"/>).
/// </summary>
public sealed class WebhookTargetCheck(IOptionsMonitor<WebhookOptions> options)
{
    /// <summary>Why webhooks may not go to <paramref name="host"/> ("resolves to 127.0.0.1, a loopback address"), or null where they may.</summary>
    public async Task<string?> WhyRefusedAsync(string host, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        if (options.CurrentValue.AllowPrivateTargets)
        {
            return null;
        }

        IPAddress[] addresses;
        try
        {
            addresses = await WebhookTargets.ResolveAsync(host, cancellationToken);
        }
        catch (SocketException e)
        {
            return $"does not resolve ({e.SocketErrorCode})";
        }

        return WebhookTargets.FirstRefused(addresses) is (IPAddress address, string reason) ? $"resolves to {address}, {reason}" : null;
    }

    /// <summary>The problem naming the webhook field, or null where the target may be called.</summary>
    public async Task<string?> ProblemAsync(Uri webhook, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(webhook);
        return await WhyRefusedAsync(webhook.IdnHost, cancellationToken) is { } why ? Problem(webhook, why) : null;
    }

    public static string Problem(Uri webhook, string why)
    {
        ArgumentNullException.ThrowIfNull(webhook);
        return $"webhook: the host of '{webhook}' {why}; webhooks go only to public addresses (the operator may allow others with {WebhookOptions.Section}:{nameof(WebhookOptions.AllowPrivateTargets)}).";
    }
}
