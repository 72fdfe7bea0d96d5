using System.Net;
using Polly;
using Polly.Retry;

namespace TurboDiffusion.Client;

/// <summary>
/// The client's retry pipeline (Polly): connection failures, 408, 429 and 5xx are retried with exponential back-off
/// and jitter; a Retry-After header sets the wait, unless it exceeds <see cref="TurboClientOptions.MaxRetryAfter"/>.
/// Every attempt builds a fresh request, carrying the same idempotency key.
/// </summary>
internal static class TransientRetry
{
    public static ResiliencePipeline<HttpResponseMessage> Create(TurboClientOptions options) =>
        new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = Math.Max(1, options.MaxRetries),
                ShouldHandle = args => ValueTask.FromResult(options.MaxRetries > 0 && args.Outcome switch
                {
                    { Exception: HttpRequestException } => true,
                    { Exception: TaskCanceledException } when !args.Context.CancellationToken.IsCancellationRequested => true,
                    { Result: { } response } => IsTransient(response, options),
                    _ => false,
                }),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryDelay,
                DelayGenerator = args => ValueTask.FromResult(args.Outcome.Result is { } response ? ProblemReader.RetryAfter(response) : null),
                OnRetry = args =>
                {
                    args.Outcome.Result?.Dispose();
                    return ValueTask.CompletedTask;
                },
            })
            .Build();

    private static bool IsTransient(HttpResponseMessage response, TurboClientOptions options) => response.StatusCode switch
    {
        HttpStatusCode.TooManyRequests => (ProblemReader.RetryAfter(response) ?? TimeSpan.Zero) <= options.MaxRetryAfter,
        HttpStatusCode.RequestTimeout or HttpStatusCode.InternalServerError or HttpStatusCode.BadGateway
            or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout => true,
        _ => false,
    };
}
