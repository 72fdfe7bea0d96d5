using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace TurboDiffusion.Client;

/// <summary>
/// The farm's webhook signature: <c>webhook-signature: v1,BASE64(HMAC-SHA256(secret, "{webhook-id}.{webhook-timestamp}.{body}"))</c>
/// with <c>webhook-id</c> (the same on every retry of one delivery: drop repeats) and <c>webhook-timestamp</c> (Unix
/// seconds of this attempt). Receivers call <see cref="Verify"/> before trusting a body.
/// </summary>
public static class WebhookSignature
{
    public const string IdHeader = "webhook-id";
    public const string TimestampHeader = "webhook-timestamp";
    public const string SignatureHeader = "webhook-signature";
    public static readonly TimeSpan DefaultTolerance = TimeSpan.FromMinutes(5);

    public static string Sign(string secret, string id, long timestamp, string body)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(body);
        var content = Encoding.UTF8.GetBytes($"{id}.{timestamp.ToString(CultureInfo.InvariantCulture)}.{body}");
        return "v1," + Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), content));
    }

    /// <summary>
    /// True when <paramref name="signature"/> (one or more space-separated "v1,..." values) signs this id, timestamp and
    /// body with <paramref name="secret"/>, and the timestamp is within <paramref name="tolerance"/> of <paramref name="now"/> (replays are refused).
    /// </summary>
    public static bool Verify(string secret, string id, string timestamp, string body, string signature, DateTimeOffset now, TimeSpan? tolerance = null)
    {
        ArgumentNullException.ThrowIfNull(signature);
        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || (now - DateTimeOffset.FromUnixTimeSeconds(seconds)).Duration() > (tolerance ?? DefaultTolerance))
        {
            return false;
        }

        var expected = Encoding.ASCII.GetBytes(Sign(secret, id, seconds, body));
        return signature.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Any(candidate => CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(candidate)));
    }
}
