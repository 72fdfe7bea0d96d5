using System.Net;
using System.Text.Json;
using TurboDiffusion.Client.Models;
using TurboDiffusion.Gateway.Tests.Support;

namespace TurboDiffusion.Gateway.Tests.Apis;

[Collection(SharedGatewayGroup.Name)]
public sealed class JobEventsTests(SharedGateway gateway)
{
    private GatewayHost Host => gateway.Host;

    [Fact]
    public async Task Events_start_with_the_state_then_carry_every_step_with_ids_and_end_with_the_finished_state()
    {
        using var http = Host.Client("watcher");
        var job = await http.SubmitOkAsync(new JobRequest { Prompt = "a tram in the rain", Steps = 4 });

        var frames = await SseReader.ReadAllAsync(http, $"/v1/jobs/{job.Id}/events");

        Assert.Equal("state", frames[0].Event);
        Assert.Null(frames[0].Id);
        var last = JsonSerializer.Deserialize<JobView>(frames[^1].Data, TurboJson.Options)!;
        Assert.Equal("state", frames[^1].Event);
        Assert.Equal(JobStatus.Succeeded, last.Status);
        var steps = frames.Where(f => f.Event == "progress")
            .Select(f => JsonSerializer.Deserialize<ProgressEventData>(f.Data, TurboJson.Options)!)
            .Where(p => p.Stage == "denoising").Select(p => p.Done).ToList();
        Assert.Equal([1, 2, 3, 4], steps);
        Assert.All(frames.Where(f => f.Event == "progress"), f => Assert.NotNull(f.Id));
    }

    [Fact]
    public async Task A_reconnect_with_last_event_id_gets_only_the_later_progress_and_the_current_state()
    {
        using var http = Host.Client("watcher");
        var job = await http.SubmitOkAsync(new JobRequest { Prompt = "a heron taking off" });
        var all = await SseReader.ReadAllAsync(http, $"/v1/jobs/{job.Id}/events");
        var progress = all.Where(f => f.Event == "progress").ToList();
        var resumeAfter = progress[progress.Count / 2];

        var resumed = await SseReader.ReadAllAsync(http, $"/v1/jobs/{job.Id}/events", resumeAfter.Id);

        Assert.Equal("state", resumed[0].Event);
        Assert.Equal(progress.Skip((progress.Count / 2) + 1).Select(f => f.Id), resumed.Where(f => f.Event == "progress").Select(f => f.Id));
        Assert.Equal(JobStatus.Succeeded, JsonSerializer.Deserialize<JobView>(resumed[^1].Data, TurboJson.Options)!.Status);
    }

    [Theory]
    [InlineData("1-0")]
    [InlineData("99999999999999999999")]
    [InlineData("9223372036854775808")]
    public async Task A_last_event_id_this_log_never_gives_answers_400_naming_the_header_and_its_form_before_the_stream_starts(string lastEventId)
    {
        using var http = Host.Client("watcher");
        var job = await http.SubmitOkAsync(new JobRequest { Prompt = "a paper boat" });
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/jobs/{job.Id}/events");
        request.Headers.Add("Last-Event-ID", lastEventId);

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Api.Token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = (await response.ProblemAsync()).GetProperty("errors").GetProperty("Last-Event-ID")[0].GetString();
        Assert.Contains($"'{lastEventId}'", problem, StringComparison.Ordinal);
        Assert.Contains("a whole number such as 42", problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_malformed_last_event_id_answers_400_and_an_unknown_job_404()
    {
        using var http = Host.Client("watcher");
        var job = await http.SubmitOkAsync(new JobRequest { Prompt = "a kettle" });
        using var badId = new HttpRequestMessage(HttpMethod.Get, $"/v1/jobs/{job.Id}/events");
        badId.Headers.Add("Last-Event-ID", "yesterday");

        using var bad = await http.SendAsync(badId, Api.Token);
        using var missing = await http.GetAsync(new Uri("/v1/jobs/job_000000000000000000000000/events", UriKind.Relative), Api.Token);

        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.True((await bad.ProblemAsync()).GetProperty("errors").TryGetProperty("Last-Event-ID", out _));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        await missing.ProblemAsync();
    }
}
