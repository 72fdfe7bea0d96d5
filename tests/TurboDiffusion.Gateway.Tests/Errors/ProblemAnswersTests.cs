using System.Net;
using System.Text.Json;
using TurboDiffusion.Client.Models;
using TurboDiffusion.Gateway.Tests.Support;

namespace TurboDiffusion.Gateway.Tests.Errors;

/// <summary>Errors answer problem+json with their own status whatever the client accepts: SSE clients and browsers ask for other types.</summary>
[Collection(SharedGatewayGroup.Name)]
public sealed class ProblemAnswersTests(SharedGateway gateway)
{
    private const string UnknownJob = "job_000000000000000000000000";

    private GatewayHost Host => gateway.Host;

    public static TheoryData<string> NonJsonAccepts => ["text/event-stream", "text/html", "text/html, application/xhtml+xml;q=0.9", "image/png"];

    [Theory]
    [MemberData(nameof(NonJsonAccepts))]
    public async Task An_unknown_jobs_events_answer_404_problem_json(string accept)
    {
        using var http = Host.Client("watcher");

        using var response = await SendAsync(http, HttpMethod.Get, $"/v1/jobs/{UnknownJob}/events", accept);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(404, (await response.ProblemAsync()).GetProperty("status").GetInt32());
    }

    [Theory]
    [MemberData(nameof(NonJsonAccepts))]
    public async Task A_request_without_a_key_answers_401_problem_json(string accept)
    {
        using var http = new HttpClient { BaseAddress = Host.BaseAddress };

        using var response = await SendAsync(http, HttpMethod.Get, $"/v1/jobs/{UnknownJob}/events", accept);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("Authorization: Bearer", (await response.ProblemAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(NonJsonAccepts))]
    public async Task A_malformed_last_event_id_answers_400_problem_json_naming_the_header(string accept)
    {
        using var http = Host.Client("watcher");
        var job = await http.SubmitOkAsync(new JobRequest { Prompt = "a lighthouse at dusk" });
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/jobs/{job.Id}/events");
        request.Headers.TryAddWithoutValidation("Accept", accept);
        request.Headers.Add("Last-Event-ID", "yesterday");

        using var response = await http.SendAsync(request, Api.Token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.ProblemAsync()).GetProperty("errors").TryGetProperty("Last-Event-ID", out _));
    }

    [Fact]
    public async Task Bad_input_a_conflict_and_an_unknown_route_answer_problem_json_to_a_browser()
    {
        using var http = Host.Client("studio-a");
        using var bad = await SendAsync(http, HttpMethod.Get, "/v1/jobs?status=sleeping", "text/html");
        using var unknownRoute = await SendAsync(http, HttpMethod.Get, "/v1/nothing-here", "text/html");
        using var missingAsset = await SendAsync(http, HttpMethod.Get, "/dashboard/missing.js", "text/html");

        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.True((await bad.ProblemAsync()).GetProperty("errors").TryGetProperty("status", out _));
        Assert.Equal(HttpStatusCode.NotFound, unknownRoute.StatusCode);
        Assert.Equal(404, (await unknownRoute.ProblemAsync()).GetProperty("status").GetInt32());
        Assert.Equal(HttpStatusCode.NotFound, missingAsset.StatusCode);
        await missingAsset.ProblemAsync();
    }

    [Fact]
    public async Task A_json_client_gets_the_same_problem_as_before()
    {
        using var http = Host.Client("watcher");

        using var response = await SendAsync(http, HttpMethod.Get, $"/v1/jobs/{UnknownJob}", "application/json");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var problem = await response.ProblemAsync();
        Assert.Equal("Job not found", problem.GetProperty("title").GetString());
        Assert.Equal(JsonValueKind.String, problem.GetProperty("traceId").ValueKind);
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient http, HttpMethod method, string path, string accept)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.TryAddWithoutValidation("Accept", accept);
        return await http.SendAsync(request, Api.Token);
    }
}
