using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace TurboDiffusion.Farm.Stores.Blob;

/// <summary>Container names for tenants: Azure allows 3 to 63 characters of a-z, 0-9 and single dashes.</summary>
public static partial class BlobNaming
{
    public static bool IsContainerName(string name) => name.Length is >= 3 and <= 63 && ContainerName().IsMatch(name);

    /// <summary>
    /// {prefix}{tenant} when that is a valid name; otherwise the tenant with '.'/'_' turned into '-', cut to fit and
    /// suffixed with a short hash of the original, so two tenants never share a container.
    /// </summary>
    public static string ContainerFor(string prefix, string tenant)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentNullException.ThrowIfNull(tenant);
        var direct = prefix + tenant;
        if (IsContainerName(direct))
        {
            return direct;
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(tenant)).AsSpan(0, 4));
        var cleaned = Dashes().Replace(NotAllowed().Replace(tenant.ToLowerInvariant(), "-"), "-").Trim('-');
        var room = 63 - prefix.Length - hash.Length - 1;
        var stem = cleaned.Length > room ? cleaned[..room].TrimEnd('-') : cleaned;
        return stem.Length == 0 ? $"{prefix}{hash}" : $"{prefix}{stem}-{hash}";
    }

    [GeneratedRegex("^[a-z0-9](?!.*--)[a-z0-9-]*[a-z0-9]$")]
    private static partial Regex ContainerName();

    [GeneratedRegex("[^a-z0-9-]")]
    private static partial Regex NotAllowed();

    [GeneratedRegex("-{2,}")]
    private static partial Regex Dashes();
}
