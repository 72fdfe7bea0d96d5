using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using TurboDiffusion.Client.Models;

namespace TurboDiffusion.Gateway.Tests.Support;

/// <summary>Small HTTP helpers over the wire format, so tests read as requests and answers.</summary>
internal static class Api
{
    public static CancellationToken Token => TestContext.Current.CancellationToken;

    public static async Task<HttpResponseMessage> SubmitAsync(this HttpClient http, object body, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/jobs")
        {
            Content = new StringContent(body as string ?? JsonSerializer.Serialize(body, TurboJson.Options), Encoding.UTF8, "application/json"),
        };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        return await http.SendAsync(request, Token);
    }

    public static async Task<JobView> SubmitOkAsync(this HttpClient http, JobRequest body)
    {
        using var response = await http.SubmitAsync(body, Guid.NewGuid().ToString());
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(Token));
        return (await response.Content.ReadFromJsonAsync<JobView>(TurboJson.Options, Token))!;
    }

    public static async Task<T> ReadAsync<T>(this HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<T>(TurboJson.Options, Token))!;

    public static async Task<JsonElement> ProblemAsync(this HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadFromJsonAsync<JsonElement>(Token);
    }

    public static async Task<JobView> WaitForAsync(this HttpClient http, string jobId, Func<JobView, bool> done, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(30));
        JobView job;
        do
        {
            job = (await http.GetFromJsonAsync<JobView>($"/v1/jobs/{jobId}", TurboJson.Options, Token))!;
            if (done(job))
            {
                return job;
            }

            await Task.Delay(50, Token);
        }
        while (DateTime.UtcNow < deadline);

        throw new TimeoutException($"Job {jobId} did not reach the expected state; it is {job.Status}.");
    }
}
