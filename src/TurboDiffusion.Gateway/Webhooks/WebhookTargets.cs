using System.Net;
using System.Net.Sockets;

namespace TurboDiffusion.Gateway.Webhooks;

/// <summary>
/// Where webhooks may go: addresses on the public internet. Loopback, private, link-local, shared (CGNAT),
/// unspecified, multicast and cloud metadata addresses reach the farm's own network, so a tenant could use the
/// farm to call services that trust it (SSRF); they are refused unless Turbo:Webhooks:AllowPrivateTargets is set.
/// </summary>
public static class WebhookTargets
{
    private static readonly IPAddress Ec2MetadataV4 = IPAddress.Parse("169.254.169.254");
    private static readonly IPAddress Ec2MetadataV6 = IPAddress.Parse("fd00:ec2::254");
    private static readonly IPAddress Nat64Prefix = IPAddress.Parse("64:ff9b::");

    /// <summary>Why a webhook may not go to <paramref name="address"/> ("a loopback address"), or null where it may.</summary>
    public static string? WhyRefused(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        return address.AddressFamily == AddressFamily.InterNetwork ? WhyRefusedV4(address) : WhyRefusedV6(address);
    }

    /// <summary>The addresses <paramref name="host"/> stands for: itself when it is an address, else what DNS answers.</summary>
    /// <exception cref="SocketException">The name does not resolve.</exception>
    public static async Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        return IPAddress.TryParse(host.Trim('[', ']'), out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, cancellationToken);
    }

    /// <summary>The first refused address of <paramref name="addresses"/> and why, or null when every one may be called.</summary>
    public static (IPAddress Address, string Reason)? FirstRefused(IEnumerable<IPAddress> addresses) =>
        addresses.Select(a => (Address: a, Reason: WhyRefused(a))).FirstOrDefault(r => r.Reason is not null) is { Reason: { } reason } refused
            ? (refused.Address, reason)
            : null;

    private static string? WhyRefusedV4(IPAddress address)
    {
        if (address.Equals(Ec2MetadataV4))
        {
            return "the cloud metadata address";
        }

        var b = address.GetAddressBytes();
        return (b[0], b[1]) switch
        {
            (0, _) => "an unspecified address (0.0.0.0/8)",
            (127, _) => "a loopback address",
            (10, _) or (172, >= 16 and <= 31) or (192, 168) => "a private address (RFC 1918)",
            (169, 254) => "a link-local address (169.254.0.0/16)",
            (100, >= 64 and <= 127) => "a shared CGNAT address (100.64.0.0/10)",
            (>= 224 and <= 239, _) => "a multicast address",
            (>= 240, _) => "a reserved or broadcast address",
            _ => null,
        };
    }

    private static string? WhyRefusedV6(IPAddress address)
    {
        var b = address.GetAddressBytes();
        if (address.Equals(Ec2MetadataV6))
        {
            return "the cloud metadata address";
        }

        if (address.Equals(IPAddress.IPv6Loopback))
        {
            return "a loopback address";
        }

        if (address.Equals(IPAddress.IPv6Any))
        {
            return "an unspecified address";
        }

        if (address.IsIPv6Multicast)
        {
            return "a multicast address";
        }

        if (address.IsIPv6LinkLocal)
        {
            return "a link-local address (fe80::/10)";
        }

        if (address.IsIPv6SiteLocal || (b[0] & 0xfe) == 0xfc)
        {
            return "a private address (fc00::/7)";
        }

        // NAT64 (64:ff9b::/96) carries an IPv4 address in its last four bytes: judge that one.
        return b.AsSpan(0, 12).SequenceEqual(Nat64Prefix.GetAddressBytes().AsSpan(0, 12)) ? WhyRefusedV4(new IPAddress(b.AsSpan(12))) : null;
    }
}
