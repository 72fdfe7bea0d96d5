using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Polly;
using Polly.Retry;
using TurboDiffusion.Farm.Stores;

namespace TurboDiffusion.Gateway.Errors;

/// <summary>
/// Failures that pass on their own: a silo that is dying or just died (its calls fail until membership routes around
/// it, a few seconds), a call that timed out, the job store (Redis) not answering. The gateway retries them briefly
/// and, if they persist, answers 503 with Retry-After instead of 500.
/// </summary>
public static class TransientFarmErrors
{
    /// <summary>Bodies up to this size (a job submission) are kept so the request can be handled again.</summary>
    private const long RepeatableBodyBytes = 64 * 1024;

    /// <summary>What a client is told to wait before retrying after a 503.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(5);

    /// <summary>Retries within one request: about 3 s in all, enough for membership to route around a dead silo.</summary>
    public static ResiliencePipeline Retry { get; } = Build(() => true);

    private static ResiliencePipeline Build(Func<bool> mayRepeat) => new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } e && IsTransient(e) && mayRepeat()),
            MaxRetryAttempts = 4,
            Delay = TimeSpan.FromMilliseconds(200),
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
        })
        .Build();

    public static bool IsTransient(Exception error) => error switch
    {
        SiloUnavailableException or OrleansMessageRejectionException or TimeoutException => true,
        JobStoreException store => store.InnerException is not JsonException,
        _ => false,
    };

    /// <summary>Runs an API handler under <see cref="Retry"/> when running it again is harmless: the response has not started and the body, if any, can be read again.</summary>
    public static async ValueTask<object?> RetryHandlerAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var http = context.HttpContext;
        if (http.Request.ContentLength is > 0 and <= RepeatableBodyBytes)
        {
            http.Request.EnableBuffering();
        }

        if (!CanRepeat(http.Request))
        {
            return await next(context);
        }

        // An event stream that has started sending cannot be answered again.
        return await Build(() => !http.Response.HasStarted).ExecuteAsync(async _ =>
        {
            if (http.Request.Body.CanSeek)
            {
                http.Request.Body.Position = 0;
            }

            return await next(context);
        }, http.RequestAborted);
    }

    private static bool CanRepeat(HttpRequest request) =>
        HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || request.ContentLength == 0 || request.Body.CanSeek;
}
