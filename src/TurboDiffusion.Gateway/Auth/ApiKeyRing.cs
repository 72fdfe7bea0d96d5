using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using TurboDiffusion.Gateway.Options;

namespace TurboDiffusion.Gateway.Auth;

/// <summary>Looks a presented key up by its SHA-256; the admin key is compared in constant time.</summary>
public sealed class ApiKeyRing(IOptionsMonitor<GatewayOptions> options)
{
    public Caller? Find(string presented)
    {
        ArgumentNullException.ThrowIfNull(presented);
        var current = options.CurrentValue;
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        if (!string.IsNullOrEmpty(current.AdminKey)
            && CryptographicOperations.FixedTimeEquals(hash, SHA256.HashData(Encoding.UTF8.GetBytes(current.AdminKey))))
        {
            return new Caller(current.AnonymousTenant, IsAdmin: true);
        }

        foreach (var entry in current.ApiKeys)
        {
            if (CryptographicOperations.FixedTimeEquals(hash, Convert.FromHexString(entry.Sha256)))
            {
                return new Caller(entry.Tenant, IsAdmin: false);
            }
        }

        return null;
    }

    /// <summary>The form keys are configured in.</summary>
    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
}
