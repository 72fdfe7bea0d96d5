using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using TurboDiffusion.Farm.Options;

namespace TurboDiffusion.Gateway.Options;

/// <summary>The HTTP gateway (section <c>Turbo:Gateway</c>): keys, limits and defaults of the REST API.</summary>
public sealed class GatewayOptions
{
    public const string Section = "Turbo:Gateway";
    public const string DefaultAnonymousTenant = "local";
    public const string DefaultModelName = "tiny";
    public const int DefaultMaxJobBodyBytes = 64 * 1024;
    public const long DefaultMaxBatchBodyBytes = 1L << 30;
    public const int DefaultMaxBatchLineBytes = 16 * 1024;
    public const int DefaultBatchPartSize = 1000;
    public static readonly TimeSpan DefaultEventPollInterval = TimeSpan.FromMilliseconds(250);
    public static readonly TimeSpan DefaultEventKeepAlive = TimeSpan.FromSeconds(15);
    public static readonly TimeSpan DefaultArtifactLinkLifetime = TimeSpan.FromMinutes(5);

    /// <summary>The operator's key: sees and acts on every tenant. Never logged.</summary>
    public string? AdminKey { get; set; }

    /// <summary>One entry per tenant key, stored as the SHA-256 of the key (hex), never the key itself.</summary>
    public List<ApiKeyEntry> ApiKeys { get; set; } = [];

    /// <summary>
    /// Serve without keys: every request acts as an admin of <see cref="AnonymousTenant"/>. Unset, a gateway without keys
    /// is open only while it listens on loopback, and refuses to start on any other address (<see cref="KeylessAccess"/>).
    /// </summary>
    public bool Anonymous { get; set; }

    public string AnonymousTenant { get; set; } = DefaultAnonymousTenant;

    /// <summary>
    /// Host names a keyless gateway answers to besides localhost, 127.0.0.1 and [::1] (the Host header's name, no
    /// port); <c>*</c> for any, on a gateway served to a network on purpose. Other names get 421 (DNS rebinding).
    /// </summary>
    public List<string> AnonymousHosts { get; set; } = [];

    /// <summary>The model of a job that names none.</summary>
    public string DefaultModel { get; set; } = DefaultModelName;

    /// <summary>
    /// Models (ids or directories) admitted besides those the pools serve by Turbo:Scheduler (ModelPools, RandomModelPools)
    /// and the workers' preloads: for a farm whose workers load models only on demand.
    /// </summary>
    public List<string> AdmitModels { get; set; } = [];

    /// <summary>Largest body of a single job submission, in bytes.</summary>
    public int MaxJobBodyBytes { get; set; } = DefaultMaxJobBodyBytes;

    /// <summary>Largest batch upload (JSON lines), in bytes; it is read as a stream, never held whole.</summary>
    public long MaxBatchBodyBytes { get; set; } = DefaultMaxBatchBodyBytes;

    /// <summary>Longest line of a batch upload, in bytes.</summary>
    public int MaxBatchLineBytes { get; set; } = DefaultMaxBatchLineBytes;

    /// <summary>Items submitted to the farm per call while a batch upload streams in.</summary>
    public int BatchPartSize { get; set; } = DefaultBatchPartSize;

    /// <summary>How often an event stream looks for new progress.</summary>
    public TimeSpan EventPollInterval { get; set; } = DefaultEventPollInterval;

    /// <summary>A comment line is sent after this much silence so proxies keep an event stream open.</summary>
    public TimeSpan EventKeepAlive { get; set; } = DefaultEventKeepAlive;

    /// <summary>How long a redirect URL into blob storage (<c>?redirect=true</c>) stays valid.</summary>
    public TimeSpan ArtifactLinkLifetime { get; set; } = DefaultArtifactLinkLifetime;

    public RateLimitOptions RateLimit { get; set; } = new();
}

/// <summary>A tenant's API key, by its SHA-256 (e.g. <c>printf %s "$KEY" | sha256sum</c>).</summary>
public sealed class ApiKeyEntry
{
    public string Tenant { get; set; } = "";

    public string Sha256 { get; set; } = "";
}

/// <summary>A token bucket per tenant: <see cref="PermitsPerSecond"/> requests a second on average, bursts up to <see cref="Burst"/>; past it, 429 with Retry-After.</summary>
public sealed class RateLimitOptions
{
    public const int DefaultPermitsPerSecond = 50;
    public const int DefaultBurst = 200;

    public int PermitsPerSecond { get; set; } = DefaultPermitsPerSecond;

    public int Burst { get; set; } = DefaultBurst;
}

public sealed partial class GatewayOptionsValidator : IValidateOptions<GatewayOptions>
{
    public ValidateOptionsResult Validate(string? name, GatewayOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var hasKeys = !string.IsNullOrEmpty(options.AdminKey) || options.ApiKeys.Count > 0;
        return new OptionsProblems(GatewayOptions.Section)
            .Require(options.Anonymous || hasKeys, nameof(options.AdminKey), "and ApiKeys are both unset, so no request could authenticate; set AdminKey (environment Turbo__Gateway__AdminKey) or add ApiKeys entries.")
            .Require(string.IsNullOrEmpty(options.AdminKey) || options.AdminKey.Length >= 16, nameof(options.AdminKey), "is shorter than 16 characters; use a long random key, e.g. from `openssl rand -hex 32`.")
            .Require(options.ApiKeys.All(k => Tenant().IsMatch(k.Tenant)), nameof(options.ApiKeys), "has an entry whose Tenant is not 1 to 64 characters of a-z, 0-9, '.', '-' or '_'.")
            .Require(options.ApiKeys.All(k => Sha256().IsMatch(k.Sha256)), nameof(options.ApiKeys), "has an entry whose Sha256 is not 64 hex digits; store the SHA-256 of the key (printf %s \"$KEY\" | sha256sum), never the key.")
            .Require(Tenant().IsMatch(options.AnonymousTenant), nameof(options.AnonymousTenant), "is not 1 to 64 characters of a-z, 0-9, '.', '-' or '_'.")
            .Require(options.AnonymousHosts.All(h => h == "*" || Uri.CheckHostName(h.Trim('[', ']')) != UriHostNameType.Unknown), nameof(options.AnonymousHosts), "has an entry that is neither a host name, an IP address nor '*'; give names as clients write them in the Host header, without scheme or port.")
            .Require(Tenant().IsMatch(options.DefaultModel), nameof(options.DefaultModel), "is not a model id; use e.g. \"tiny\".")
            .Require(options.AdmitModels.All(m => !string.IsNullOrWhiteSpace(m)), nameof(options.AdmitModels), "has an empty entry; list model ids or directories.")
            .Range(nameof(options.MaxJobBodyBytes), options.MaxJobBodyBytes, 1024, 16 << 20)
            .Range(nameof(options.MaxBatchBodyBytes), options.MaxBatchBodyBytes, 1024, 64L << 30)
            .Range(nameof(options.MaxBatchLineBytes), options.MaxBatchLineBytes, 256, 16 << 20)
            .Range(nameof(options.BatchPartSize), options.BatchPartSize, 1, 10_000)
            .Range(nameof(options.EventPollInterval), options.EventPollInterval, TimeSpan.FromMilliseconds(10), TimeSpan.FromSeconds(10))
            .Range(nameof(options.EventKeepAlive), options.EventKeepAlive, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5))
            .Range(nameof(options.ArtifactLinkLifetime), options.ArtifactLinkLifetime, TimeSpan.FromSeconds(10), TimeSpan.FromDays(1))
            .Range("RateLimit:PermitsPerSecond", options.RateLimit.PermitsPerSecond, 1, 1_000_000)
            .Range("RateLimit:Burst", options.RateLimit.Burst, 1, 1_000_000)
            .Result();
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,63}$")]
    private static partial Regex Tenant();

    [GeneratedRegex("^[0-9a-fA-F]{64}$")]
    private static partial Regex Sha256();
}
