namespace TurboDiffusion.Client;

/// <summary>Where the gateway is and how hard to retry; checked when the client is built.</summary>
public sealed class TurboClientOptions
{
    public const int DefaultMaxRetries = 4;
    public static readonly TimeSpan DefaultRetryDelay = TimeSpan.FromMilliseconds(500);
    public static readonly TimeSpan DefaultMaxRetryAfter = TimeSpan.FromSeconds(60);

    /// <summary>The gateway, e.g. http://127.0.0.1:8480/.</summary>
    public Uri? BaseAddress { get; set; }

    /// <summary>The tenant's API key (sent as a bearer token); null for an embedded farm without keys.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Retries of a transient failure (connection errors, 408, 429, 5xx) before it is thrown.</summary>
    public int MaxRetries { get; set; } = DefaultMaxRetries;

    /// <summary>First back-off; it doubles per retry, with jitter.</summary>
    public TimeSpan RetryDelay { get; set; } = DefaultRetryDelay;

    /// <summary>A 429 asking to wait longer than this is thrown (with its RetryAfter) instead of waited out.</summary>
    public TimeSpan MaxRetryAfter { get; set; } = DefaultMaxRetryAfter;

    public void Validate()
    {
        if (BaseAddress is not { IsAbsoluteUri: true } address || address.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException($"BaseAddress '{BaseAddress}' is not an absolute http(s) URL; give the gateway's address, e.g. http://127.0.0.1:8480/.", nameof(BaseAddress));
        }

        if (MaxRetries is < 0 or > 20)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxRetries), MaxRetries, "Use 0 to 20 retries.");
        }

        if (RetryDelay <= TimeSpan.Zero || RetryDelay > TimeSpan.FromMinutes(1))
        {
            throw new ArgumentOutOfRangeException(nameof(RetryDelay), RetryDelay, "Use a back-off above zero and at most one minute.");
        }

        if (MaxRetryAfter < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxRetryAfter), MaxRetryAfter, "Use zero (never wait out a 429) or more.");
        }
    }
}
