using Microsoft.Extensions.Options;
using TurboDiffusion.Farm.Options;

namespace TurboDiffusion.Gateway.Webhooks;

/// <summary>Webhook calls on job state changes (section <c>Turbo:Webhooks</c>).</summary>
public sealed class WebhookOptions
{
    public const string Section = "Turbo:Webhooks";
    public const int DefaultMaxAttempts = 8;
    public const int DefaultConcurrency = 8;
    public static readonly TimeSpan DefaultFirstRetryDelay = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan DefaultMaxRetryDelay = TimeSpan.FromMinutes(10);
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan DefaultPollInterval = TimeSpan.FromSeconds(1);

    /// <summary>The HMAC key receivers verify signatures with; jobs with a webhook are refused while it is unset. Never logged.</summary>
    public string? SigningSecret { get; set; }

    /// <summary>
    /// Let webhooks go to loopback, private, link-local, CGNAT and metadata addresses (a receiver inside the farm's
    /// network). Unset, such targets are refused at submission and again when the call connects.
    /// </summary>
    public bool AllowPrivateTargets { get; set; }

    /// <summary>Attempts per delivery before it is given up.</summary>
    public int MaxAttempts { get; set; } = DefaultMaxAttempts;

    /// <summary>Wait before the second attempt; it doubles per attempt up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan FirstRetryDelay { get; set; } = DefaultFirstRetryDelay;

    public TimeSpan MaxRetryDelay { get; set; } = DefaultMaxRetryDelay;

    /// <summary>How long a receiver has to answer one call.</summary>
    public TimeSpan Timeout { get; set; } = DefaultTimeout;

    /// <summary>How often the dispatcher looks for due deliveries.</summary>
    public TimeSpan PollInterval { get; set; } = DefaultPollInterval;

    /// <summary>Calls in flight at once per dispatcher.</summary>
    public int Concurrency { get; set; } = DefaultConcurrency;
}

public sealed class WebhookOptionsValidator : IValidateOptions<WebhookOptions>
{
    public ValidateOptionsResult Validate(string? name, WebhookOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new OptionsProblems(WebhookOptions.Section)
            .Require(options.SigningSecret is null || options.SigningSecret.Length >= 16, nameof(options.SigningSecret), "is shorter than 16 characters; use a long random secret, e.g. from `openssl rand -hex 32`.")
            .Range(nameof(options.MaxAttempts), options.MaxAttempts, 1, 100)
            .Range(nameof(options.FirstRetryDelay), options.FirstRetryDelay, TimeSpan.FromMilliseconds(10), TimeSpan.FromHours(1))
            .Range(nameof(options.MaxRetryDelay), options.MaxRetryDelay, options.FirstRetryDelay, TimeSpan.FromDays(1))
            .Range(nameof(options.Timeout), options.Timeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5))
            .Range(nameof(options.PollInterval), options.PollInterval, TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(1))
            .Range(nameof(options.Concurrency), options.Concurrency, 1, 256)
            .Result();
    }
}
