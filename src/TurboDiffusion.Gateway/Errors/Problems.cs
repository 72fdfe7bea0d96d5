using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;

namespace TurboDiffusion.Gateway;

/// <summary>RFC 7807 answers: a title, a detail that says what to do, and for bad input the fields at fault.</summary>
public static class Problems
{
    public static ProblemDetails Create(int status, string title, string detail, IReadOnlyDictionary<string, string[]>? errors = null)
    {
        var problem = errors is null ? new ProblemDetails() : new HttpValidationProblemDetails(new Dictionary<string, string[]>(errors));
        problem.Status = status;
        problem.Title = title;
        problem.Detail = detail;
        return problem;
    }

    /// <summary>A 400 naming each field; each problem reads "field: what is wrong; the fix".</summary>
    public static ProblemDetails Validation(IEnumerable<string> problems, string? prefix = null)
    {
        var errors = problems
            .Select(p => (Field: Field(p), Message: p))
            .GroupBy(p => prefix + p.Field, p => p.Message)
            .ToDictionary(g => g.Key, g => g.ToArray());
        return Create(StatusCodes.Status400BadRequest, "The request is not valid", string.Join(" ", errors.Values.SelectMany(m => m)), errors);
    }

    /// <summary>A 429; <c>retryAfterSeconds</c> repeats the Retry-After header for clients that read only the body.</summary>
    public static ProblemDetails TooManyRequests(TimeSpan retryAfter, string detail)
    {
        var problem = Create(StatusCodes.Status429TooManyRequests, "Too many requests", detail);
        problem.Extensions["retryAfterSeconds"] = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        return problem;
    }

    public static void SetRetryAfter(HttpResponse response, TimeSpan retryAfter)
    {
        ArgumentNullException.ThrowIfNull(response);
        response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
    }

    public static async Task WriteAsync(HttpContext context, ProblemDetails problem)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(problem);
        context.Response.StatusCode = problem.Status ?? StatusCodes.Status500InternalServerError;
        await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = problem,
        });
    }

    public static Task WriteAsync(HttpContext context, int status, string title, string detail) =>
        WriteAsync(context, Create(status, title, detail));

    /// <summary>The field a farm problem names ("prompt: is empty; ..." → "prompt").</summary>
    private static string Field(string problem)
    {
        var colon = problem.IndexOf(": ", StringComparison.Ordinal);
        return colon > 0 ? problem[..colon] : "body";
    }
}
