using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;
using TurboDiffusion.Farm.Contracts;

namespace TurboDiffusion.Gateway.Errors;

/// <summary>
/// The one place known failures become problem details: bad input 400 (naming the field), unknown ids 404,
/// idempotency conflicts 409, oversized bodies 413, admission 429 with Retry-After, a farm part briefly
/// unreachable (a dying silo, Redis) 503 with Retry-After. Anything else is a logged 500
/// carrying the trace id, never a 404.
/// </summary>
public sealed partial class FarmExceptionHandler(ILogger<FarmExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        if (httpContext.Response.HasStarted)
        {
            LogAfterStart(httpContext.Request.Path, exception);
            return true;
        }

        var problem = Translate(httpContext, exception);
        if (problem is null)
        {
            LogUnhandled(httpContext.Request.Path, httpContext.TraceIdentifier, exception);
            problem = Problems.Create(StatusCodes.Status500InternalServerError, "The gateway failed",
                $"An unexpected error occurred; report trace id {httpContext.TraceIdentifier} to the farm's operators.");
        }

        problem.Extensions["traceId"] = httpContext.TraceIdentifier;
        await Problems.WriteAsync(httpContext, problem);
        return true;
    }

    private static ProblemDetails? Translate(HttpContext context, Exception exception)
    {
        switch (exception)
        {
            case InvalidJobSpecException invalid:
                return Problems.Validation(invalid.Problems);
            case JobNotFoundException notFound:
                return Problems.Create(StatusCodes.Status404NotFound, "Job not found", notFound.Message);
            case BatchNotFoundException notFound:
                return Problems.Create(StatusCodes.Status404NotFound, "Batch not found", notFound.Message);
            case IdempotencyConflictException conflict:
                return Problems.Create(StatusCodes.Status409Conflict, "Idempotency key reused", conflict.Message);
            case AdmissionRejectedException rejected:
                Problems.SetRetryAfter(context.Response, rejected.RetryAfter);
                return Problems.TooManyRequests(rejected.RetryAfter, rejected.Message);
            case BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } tooLarge:
                // The unread rest of the body is over the limit, so the server drops the connection after answering;
                // saying so keeps a client from sending its next request on a connection that is about to close.
                context.Response.Headers.Connection = "close";
                return Problems.Create(StatusCodes.Status413PayloadTooLarge, "Request body too large", $"{tooLarge.Message} Split the upload or send smaller bodies.");
            case BadHttpRequestException bad:
                return Problems.Create(bad.StatusCode, "Bad request", bad.Message);
            case var transient when TransientFarmErrors.IsTransient(transient):
                Problems.SetRetryAfter(context.Response, TransientFarmErrors.RetryAfter);
                var unavailable = Problems.Create(StatusCodes.Status503ServiceUnavailable, "The farm is briefly unavailable",
                    $"A part of the farm did not answer ({transient.GetType().Name}); nothing was lost. Retry after {TransientFarmErrors.RetryAfter.TotalSeconds:0} s with the same Idempotency-Key.");
                unavailable.Extensions["retryAfterSeconds"] = (int)TransientFarmErrors.RetryAfter.TotalSeconds;
                return unavailable;
            case InvalidJobTransitionException transition:
                return Problems.Create(StatusCodes.Status409Conflict, "Not possible in the job's state", transition.Message);
            default:
                return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Request {Path} failed (trace {TraceId})")]
    private partial void LogUnhandled(string path, string traceId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Request {Path} failed after its response started; the client sees a cut stream")]
    private partial void LogAfterStart(string path, Exception exception);
}
