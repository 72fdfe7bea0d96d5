using System.Net;
using System.Net.Http.Json;
using TurboDiffusion.Client.Models;
using TurboDiffusion.Gateway.Tests.Support;

namespace TurboDiffusion.Gateway.Tests.Apis;

[Collection(SharedGatewayGroup.Name)]
public sealed class JobsApiTests(SharedGateway gateway)
{
    private GatewayHost Host => gateway.Host;

    [Fact]
    public async Task Submit_without_idempotency_key_answers_400_naming_the_header()
    {
        using var http = Host.Client("studio-a");

        using var response = await http.SubmitAsync(new JobRequest { Prompt = "a fox" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.ProblemAsync();
        Assert.Contains("send a unique key", problem.GetProperty("errors").GetProperty("Idempotency-Key")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_fields_answer_problem_details_naming_each_field_and_its_fix()
    {
        using var http = Host.Client("studio-a");

        using var response = await http.SubmitAsync("""{"prompt": "a fox", "frames": 10, "steps": 9, "resolution": "1080p"}""", Guid.NewGuid().ToString());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.ProblemAsync()).GetProperty("errors");
        Assert.Contains("144p, 480p or 720p", errors.GetProperty("resolution")[0].GetString(), StringComparison.Ordinal);
        using var fixedResolution = await http.SubmitAsync(new JobRequest { Prompt = "a fox", Frames = 10, Steps = 9 }, Guid.NewGuid().ToString());
        var farmErrors = (await fixedResolution.ProblemAsync()).GetProperty("errors");
        Assert.Contains("4k+1", farmErrors.GetProperty("frames")[0].GetString(), StringComparison.Ordinal);
        Assert.Contains("1 to 4", farmErrors.GetProperty("steps")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_webhook_is_refused_naming_the_setting_when_the_farm_has_no_signing_secret()
    {
        using var http = Host.Client("studio-a");

        using var response = await http.SubmitAsync(new JobRequest { Prompt = "a fox", Webhook = new Uri("http://127.0.0.1:9/hook") }, Guid.NewGuid().ToString());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Turbo:Webhooks:SigningSecret", (await response.ProblemAsync()).GetProperty("errors").GetProperty("webhook")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Malformed_json_answers_400_naming_the_field()
    {
        using var http = Host.Client("studio-a");

        using var response = await http.SubmitAsync("""{"prompt": "a fox", "frames": "many"}""", Guid.NewGuid().ToString());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.ProblemAsync()).GetProperty("errors").TryGetProperty("frames", out _));
    }

    [Fact]
    public async Task Oversized_body_answers_413()
    {
        using var http = Host.Client("studio-a");

        using var response = await http.SubmitAsync(new JobRequest { Prompt = new string('x', 70_000) }, Guid.NewGuid().ToString());

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        await response.ProblemAsync();
    }

    [Fact]
    public async Task Missing_or_unknown_keys_answer_401_and_another_tenants_job_reads_as_not_found()
    {
        using var anonymous = new HttpClient { BaseAddress = Host.BaseAddress };
        using var wrong = new HttpClient { BaseAddress = Host.BaseAddress };
        wrong.DefaultRequestHeaders.Add("X-Api-Key", "not-a-key");
        using var owner = Host.Client("studio-a");
        using var other = Host.Client("studio-b");
        using var admin = Host.Client(null);
        var job = await owner.SubmitOkAsync(new JobRequest { Prompt = "a private shot" });

        using var noKey = await anonymous.GetAsync(new Uri($"/v1/jobs/{job.Id}", UriKind.Relative), Api.Token);
        using var badKey = await wrong.GetAsync(new Uri($"/v1/jobs/{job.Id}", UriKind.Relative), Api.Token);
        using var foreign = await other.GetAsync(new Uri($"/v1/jobs/{job.Id}", UriKind.Relative), Api.Token);
        using var asAdmin = await admin.GetAsync(new Uri($"/v1/jobs/{job.Id}", UriKind.Relative), Api.Token);

        Assert.Equal(HttpStatusCode.Unauthorized, noKey.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, badKey.StatusCode);
        await badKey.ProblemAsync();
        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
        Assert.Equal(HttpStatusCode.OK, asAdmin.StatusCode);
        Assert.Equal("studio-a", (await asAdmin.ReadAsync<JobView>()).Tenant);
    }

    [Fact]
    public async Task A_submitted_job_renders_and_its_video_downloads()
    {
        using var http = Host.Client("studio-a");
        var submitted = await http.SubmitOkAsync(new JobRequest { Prompt = "a lighthouse at dusk", Frames = 17, Seed = 7 });

        var done = await http.WaitForAsync(submitted.Id, j => j.IsFinished);
        var video = await http.GetByteArrayAsync(new Uri(done.Artifact!.VideoUrl, UriKind.Relative), Api.Token);
        var sidecar = await http.GetFromJsonAsync<Dictionary<string, object>>(new Uri(done.Artifact.SidecarUrl, UriKind.Relative), Api.Token);

        Assert.Equal(JobStatus.Succeeded, done.Status);
        Assert.Equal(JobResolution.P144, done.Resolution);
        Assert.Equal("tiny", done.Model);
        Assert.StartsWith("simulated video: a lighthouse at dusk (seed 7, 17 frames, 256x144)", System.Text.Encoding.UTF8.GetString(video), StringComparison.Ordinal);
        Assert.Equal("a lighthouse at dusk", sidecar!["prompt"].ToString());
        Assert.NotNull(done.Timings.FinishedAt);
        Assert.Equal("succeeded", Assert.Single(done.Attempts).Outcome);
    }

    [Fact]
    public async Task A_repeated_key_answers_the_original_job_and_a_different_body_under_it_409()
    {
        using var http = Host.Client("studio-b");
        var key = Guid.NewGuid().ToString();

        using var first = await http.SubmitAsync(new JobRequest { Prompt = "a red kite" }, key);
        using var again = await http.SubmitAsync(new JobRequest { Prompt = "a red kite" }, key);
        using var changed = await http.SubmitAsync(new JobRequest { Prompt = "a blue kite" }, key);

        var original = await first.ReadAsync<JobView>();
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal($"/v1/jobs/{original.Id}", first.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(original.Id, (await again.ReadAsync<JobView>()).Id);
        Assert.Equal(HttpStatusCode.Conflict, changed.StatusCode);
        Assert.Contains("use a new key", (await changed.ProblemAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancel_reaches_a_running_job_and_it_ends_canceled()
    {
        using var http = Host.Client("canceler");
        var job = await http.SubmitOkAsync(new JobRequest { Prompt = $"a clock that never stops {SharedGateway.HangMarker}" });
        await http.WaitForAsync(job.Id, j => j.Status == JobStatus.Running);

        using var response = await http.PostAsync(new Uri($"/v1/jobs/{job.Id}/cancel", UriKind.Relative), null, Api.Token);
        var canceled = await http.WaitForAsync(job.Id, j => j.IsFinished);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True((await response.ReadAsync<JobView>()).CancelRequested);
        Assert.Equal(JobStatus.Canceled, canceled.Status);
        Assert.Equal("canceled", Assert.Single(canceled.Attempts).Outcome);
    }

    [Fact]
    public async Task Listing_pages_through_a_tenants_jobs_newest_first_without_repeats()
    {
        using var http = Host.Client("lister");
        var submitted = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            submitted.Add((await http.SubmitOkAsync(new JobRequest { Prompt = $"shot {i}" })).Id);
        }

        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await http.GetFromJsonAsync<Page<JobView>>($"/v1/jobs?limit=2{(cursor is null ? "" : $"&cursor={cursor}")}", TurboJson.Options, Api.Token);
            seen.AddRange(page!.Items.Select(j => j.Id));
            cursor = page.NextCursor;
            pages++;
        }
        while (cursor is not null);

        Assert.Equal(3, pages);
        Assert.Equal(submitted.Order(), seen.Order());
        Assert.Equal(submitted[^1], seen[0]);
    }

    [Fact]
    public async Task Listing_filters_are_validated_and_other_tenants_refused()
    {
        using var http = Host.Client("lister");

        using var response = await http.GetAsync(new Uri("/v1/jobs?status=sleeping&limit=0&tenant=studio-a", UriKind.Relative), Api.Token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.ProblemAsync()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("status", out _));
        Assert.True(errors.TryGetProperty("limit", out _));
        Assert.True(errors.TryGetProperty("tenant", out _));
    }

    [Fact]
    public async Task Workers_pools_health_metrics_and_the_openapi_document_answer()
    {
        using var http = Host.Client("studio-a");
        await http.SubmitOkAsync(new JobRequest { Prompt = "warm the worker" });

        var workers = await http.GetFromJsonAsync<List<WorkerView>>("/v1/workers", TurboJson.Options, Api.Token);
        var pools = await http.GetFromJsonAsync<List<PoolView>>("/v1/pools", TurboJson.Options, Api.Token);
        var openApi = await http.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative), Api.Token);
        using var ready = await http.GetAsync(new Uri("/readyz", UriKind.Relative), Api.Token);
        using var live = await http.GetAsync(new Uri("/healthz", UriKind.Relative), Api.Token);
        var metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative), Api.Token);

        var worker = Assert.Single(workers!);
        Assert.Equal("default", worker.Pool);
        Assert.Equal("simulated (no GPU)", worker.Gpu);
        Assert.Equal("default", Assert.Single(pools!).Pool);
        Assert.Contains("\"/v1/jobs\"", openApi, StringComparison.Ordinal);
        Assert.Contains("\"/v1/batches\"", openApi, StringComparison.Ordinal);
        Assert.Contains("\"scheme\": \"bearer\"", openApi, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Contains("http_requests_received_total", metrics, StringComparison.Ordinal);
    }
}
