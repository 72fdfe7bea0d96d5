using System.Net.Http.Json;
using System.Text.Json;

namespace TurboDiffusion.Client;

/// <summary>Turns an unsuccessful response into a <see cref="TurboFarmException"/> with the gateway's problem details.</summary>
internal static class ProblemReader
{
    public static async Task<TurboFarmException> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var retryAfter = RetryAfter(response);
        var title = response.ReasonPhrase ?? response.StatusCode.ToString();
        string? detail = null;
        var errors = new Dictionary<string, string[]>();
        if (response.Content.Headers.ContentType?.MediaType is "application/problem+json" or "application/json")
        {
            try
            {
                var problem = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken).ConfigureAwait(false);
                title = problem.TryGetProperty("title", out var t) && t.GetString() is { } s ? s : title;
                detail = problem.TryGetProperty("detail", out var d) ? d.GetString() : null;
                if (problem.TryGetProperty("errors", out var e) && e.ValueKind == JsonValueKind.Object)
                {
                    foreach (var field in e.EnumerateObject())
                    {
                        errors[field.Name] = [.. field.Value.EnumerateArray().Select(m => m.GetString() ?? "")];
                    }
                }
            }
            catch (JsonException parse)
            {
                detail = $"the problem details could not be read: {parse.Message}";
            }
        }

        return new TurboFarmException(response.StatusCode, title, detail, errors, retryAfter);
    }

    public static TimeSpan? RetryAfter(HttpResponseMessage response) =>
        response.Headers.RetryAfter switch
        {
            { Delta: { } delta } => delta,
            { Date: { } date } => date - DateTimeOffset.UtcNow,
            _ => null,
        };
}
