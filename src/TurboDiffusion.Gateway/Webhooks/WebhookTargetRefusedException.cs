using System.Net;

namespace TurboDiffusion.Gateway.Webhooks;

/// <summary>A webhook's host resolved, at the time of the call, to an address webhooks may not go to (<see cref="WebhookTargets"/>).</summary>
public sealed class WebhookTargetRefusedException(string host, IPAddress address, string reason)
    : IOException($"the target {host} resolves to {address}, {reason}; webhooks go only to public addresses (Turbo:Webhooks:AllowPrivateTargets allows others)")
{
    public string Host { get; } = host;

    public IPAddress Address { get; } = address;
}
