using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using TurboDiffusion.Client.Models;
using TurboDiffusion.Gateway.Tests.Support;

namespace TurboDiffusion.Gateway.Tests.Apis;

/// <summary>Resolution, aspect ratio, status, stage and priority on the wire: by name everywhere, and only names of the vocabulary.</summary>
[Collection(SharedGatewayGroup.Name)]
public sealed class WireVocabularyApiTests(SharedGateway gateway)
{
    private GatewayHost Host => gateway.Host;

    [Fact]
    public async Task Rest_answers_carry_the_vocabulary_by_name()
    {
        using var http = Host.Client("studio-a");
        using var submitted = await http.SubmitAsync("""{"prompt": "names on the wire", "aspectRatio": "9:16", "priority": "high"}""", Guid.NewGuid().ToString());
        var id = (await submitted.ReadAsync<JobView>()).Id;

        using var job = JsonDocument.Parse(await http.GetStringAsync(new Uri($"/v1/jobs/{id}", UriKind.Relative), Api.Token));

        var root = job.RootElement;
        Assert.Contains(root.GetProperty("status").GetString(), WireNames.All<JobStatus>());
        Assert.Equal("144p", root.GetProperty("resolution").GetString());
        Assert.Equal("9:16", root.GetProperty("aspectRatio").GetString());
        Assert.Equal("high", root.GetProperty("priority").GetString());
    }

    [Fact]
    public async Task No_answer_or_event_carries_a_number_where_the_vocabulary_has_a_name()
    {
        using var http = Host.Client("studio-a");
        var job = await http.SubmitOkAsync(new JobRequest { Prompt = "numbers nowhere", Steps = 2 });
        using var batchRequest = new HttpRequestMessage(HttpMethod.Post, "/v1/batches")
        {
            Content = new StringContent("{\"prompt\": \"one\"}\n{\"prompt\": \"two\", \"priority\": \"low\"}\n", Encoding.UTF8, "application/x-ndjson"),
        };
        batchRequest.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        using var batchResponse = await http.SendAsync(batchRequest, Api.Token);
        var batch = await batchResponse.ReadAsync<BatchView>();
        var frames = await SseReader.ReadAllAsync(http, $"/v1/jobs/{job.Id}/events");
        await http.WaitForAsync(job.Id, j => j.IsFinished);

        List<string> answers =
        [
            await http.GetStringAsync(new Uri($"/v1/jobs/{job.Id}", UriKind.Relative), Api.Token),
            await http.GetStringAsync(new Uri("/v1/jobs", UriKind.Relative), Api.Token),
            await http.GetStringAsync(new Uri($"/v1/batches/{batch.Id}", UriKind.Relative), Api.Token),
            await http.GetStringAsync(new Uri($"/v1/batches/{batch.Id}/jobs", UriKind.Relative), Api.Token),
            await http.GetStringAsync(new Uri("/v1/batches", UriKind.Relative), Api.Token),
            await http.GetStringAsync(new Uri("/v1/workers", UriKind.Relative), Api.Token),
            await http.GetStringAsync(new Uri("/v1/pools", UriKind.Relative), Api.Token),
            await http.GetStringAsync(new Uri("/v1/overview", UriKind.Relative), Api.Token),
            .. frames.Select(f => f.Data),
        ];

        Assert.Contains(frames, f => f.Event == "progress");
        Assert.All(answers, answer => AssertNamesOnly(JsonDocument.Parse(answer).RootElement, "$"));
    }

    [Fact]
    public async Task A_value_outside_the_vocabulary_answers_400_naming_the_field_the_value_and_the_names_to_use()
    {
        using var http = Host.Client("studio-a");

        using var priority = await http.SubmitAsync("""{"prompt": "a fox", "priority": 7}""", Guid.NewGuid().ToString());
        using var batch = await PostLinesAsync(http, """{"prompt": "one"}""" + "\n" + """{"prompt": "two", "aspectRatio": "2:1"}""" + "\n");

        Assert.Equal(HttpStatusCode.BadRequest, priority.StatusCode);
        Assert.Equal("priority: 7 is not a priority; use low, normal, high or urgent.", (await priority.ProblemAsync()).GetProperty("errors").GetProperty("priority")[0].GetString());
        Assert.Equal(HttpStatusCode.BadRequest, batch.StatusCode);
        Assert.Equal("lines[2].aspectRatio: '2:1' is not an aspect ratio; use 16:9, 9:16, 1:1, 4:3 or 3:4.",
            (await batch.ProblemAsync()).GetProperty("errors").GetProperty("lines[2].aspectRatio")[0].GetString());
    }

    [Fact]
    public async Task A_priority_sent_as_its_number_is_still_read()
    {
        using var http = Host.Client("studio-b");

        using var response = await http.SubmitAsync("""{"prompt": "an old client", "priority": 3}""", Guid.NewGuid().ToString());

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(JobPriority.Urgent, (await response.ReadAsync<JobView>()).Priority);
    }

    [Fact]
    public async Task The_status_filter_takes_a_status_name_in_any_case_and_names_them_all_when_it_is_none()
    {
        using var http = Host.Client("studio-b");

        using var upper = await http.GetAsync(new Uri("/v1/jobs?status=SUCCEEDED&tenant=studio-b", UriKind.Relative), Api.Token);
        using var unknown = await http.GetAsync(new Uri("/v1/jobs?status=sleeping", UriKind.Relative), Api.Token);

        Assert.Equal(HttpStatusCode.OK, upper.StatusCode);
        Assert.All((await upper.ReadAsync<Page<JobView>>()).Items, j => Assert.Equal(JobStatus.Succeeded, j.Status));
        Assert.Equal("status: 'sleeping' is not a job status; use queued, leased, running, uploading, succeeded, failed, canceled, expired or held.",
            (await unknown.ProblemAsync()).GetProperty("errors").GetProperty("status")[0].GetString());
    }

    [Fact]
    public async Task A_batchs_jobs_page_like_every_listing()
    {
        using var http = Host.Client("studio-a");
        using var upload = await PostLinesAsync(http, """{"prompt": "first", "frames": 5, "steps": 1}""" + "\n" + """{"prompt": "second", "frames": 5, "steps": 1}""" + "\n");
        var batch = await upload.ReadAsync<BatchView>();

        var first = await http.GetFromJsonAsync<Page<JobView>>($"/v1/batches/{batch.Id}/jobs?limit=1", TurboJson.Options, Api.Token);
        var second = await http.GetFromJsonAsync<Page<JobView>>($"/v1/batches/{batch.Id}/jobs?limit=1&cursor={first!.NextCursor}", TurboJson.Options, Api.Token);
        using var bad = await http.GetAsync(new Uri($"/v1/batches/{batch.Id}/jobs?limit=0&cursor=later", UriKind.Relative), Api.Token);

        Assert.Equal("first", Assert.Single(first.Items).Prompt);
        Assert.Equal("second", Assert.Single(second!.Items).Prompt);
        Assert.Null(second.NextCursor);
        var errors = (await bad.ProblemAsync()).GetProperty("errors");
        Assert.Equal("limit: 0 is outside 1 to 1000; ask for fewer jobs per page.", errors.GetProperty("limit")[0].GetString());
        Assert.Equal("cursor: 'later' is not a cursor; pass the nextCursor of the previous page.", errors.GetProperty("cursor")[0].GetString());
    }

    [Fact]
    public async Task The_openapi_document_describes_the_vocabulary_as_string_enums()
    {
        using var http = Host.Client("studio-a");

        using var document = JsonDocument.Parse(await http.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative), Api.Token));

        var schemas = document.RootElement.GetProperty("components").GetProperty("schemas");
        AssertStringEnum<JobResolution>(schemas);
        AssertStringEnum<JobAspectRatio>(schemas);
        AssertStringEnum<JobStatus>(schemas);
        AssertStringEnum<JobPriority>(schemas);
        Assert.Equal("#/components/schemas/JobResolution", schemas.GetProperty("JobRequest").GetProperty("properties").GetProperty("resolution")
            .GetProperty("oneOf").EnumerateArray().Select(s => s.TryGetProperty("$ref", out var r) ? r.GetString() : null).Single(r => r is not null));
    }

    private static void AssertStringEnum<T>(JsonElement schemas)
        where T : struct, Enum
    {
        var schema = schemas.GetProperty(typeof(T).Name);
        Assert.Equal("string", schema.GetProperty("type").GetString());
        Assert.Equal(WireNames.All<T>(), schema.GetProperty("enum").EnumerateArray().Select(e => e.GetString()!));
    }

    private static async Task<HttpResponseMessage> PostLinesAsync(HttpClient http, string lines)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/batches") { Content = new StringContent(lines, Encoding.UTF8, "application/x-ndjson") };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        return await http.SendAsync(request, Api.Token);
    }

    /// <summary>Members that carry a vocabulary value, and maps keyed by one.</summary>
    private static readonly HashSet<string> Named = ["status", "state", "priority", "resolution", "aspectRatio", "stage", "reason", "outcome", "event", "type"];
    private static readonly HashSet<string> KeyedByName = ["counts", "depthByPriority"];

    private static void AssertNamesOnly(JsonElement element, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var member in element.EnumerateObject())
                {
                    var at = $"{path}.{member.Name}";
                    Assert.False(Named.Contains(member.Name) && member.Value.ValueKind is not (JsonValueKind.String or JsonValueKind.Null), $"{at} is {member.Value.GetRawText()}, not a name");
                    if (KeyedByName.Contains(member.Name))
                    {
                        Assert.All(member.Value.EnumerateObject(), key => Assert.False(int.TryParse(key.Name, out _), $"{at} is keyed by the number {key.Name}"));
                    }

                    AssertNamesOnly(member.Value, at);
                }

                break;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    AssertNamesOnly(item, $"{path}[{index++}]");
                }

                break;
        }
    }
}
