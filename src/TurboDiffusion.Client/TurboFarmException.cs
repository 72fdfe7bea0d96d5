using System.Net;

namespace TurboDiffusion.Client;

/// <summary>
/// The gateway said no. Carries its problem details: <see cref="Errors"/> names each bad field of a 400, and
/// <see cref="RetryAfter"/> says when to come back after a 429.
/// </summary>
public sealed class TurboFarmException : Exception
{
    public TurboFarmException(HttpStatusCode status, string title, string? detail, IReadOnlyDictionary<string, string[]> errors, TimeSpan? retryAfter)
        : base($"{(int)status} {title}{(detail is null ? "" : ": " + detail)}")
    {
        Status = status;
        Title = title;
        Detail = detail;
        Errors = errors;
        RetryAfter = retryAfter;
    }

    public TurboFarmException()
        : this(HttpStatusCode.InternalServerError, "The gateway failed", null, new Dictionary<string, string[]>(), null)
    {
    }

    public TurboFarmException(string message)
        : base(message)
    {
        Title = message;
        Errors = new Dictionary<string, string[]>();
    }

    public TurboFarmException(string message, Exception innerException)
        : base(message, innerException)
    {
        Title = message;
        Errors = new Dictionary<string, string[]>();
    }

    public HttpStatusCode Status { get; }

    public string Title { get; }

    public string? Detail { get; }

    /// <summary>Field → problems, for validation failures.</summary>
    public IReadOnlyDictionary<string, string[]> Errors { get; }

    public TimeSpan? RetryAfter { get; }
}
