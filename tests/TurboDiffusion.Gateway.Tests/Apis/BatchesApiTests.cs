using System.Net;
using System.Net.Http.Json;
using System.Text;
using TurboDiffusion.Client.Models;
using TurboDiffusion.Gateway.Tests.Support;

namespace TurboDiffusion.Gateway.Tests.Apis;

/// <summary>The shared gateway submits batch uploads in parts of 100 items (Turbo:Gateway:BatchPartSize).</summary>
[Collection(SharedGatewayGroup.Name)]
public sealed class BatchesApiTests(SharedGateway gateway)
{
    private GatewayHost Host => gateway.Host;

    [Fact]
    public async Task A_jsonl_upload_of_several_parts_becomes_one_batch_whose_jobs_all_finish()
    {
        using var http = Host.Client("batcher");
        var key = Guid.NewGuid().ToString();
        var lines = string.Join("\n", Enumerable.Range(0, 250).Select(i => $$"""{"prompt": "shot {{i}}", "frames": 5, "steps": 1}""")) + "\n";

        using var response = await BatchUploads.PostLinesAsync(http, key, lines);
        var batch = await response.ReadAsync<BatchView>();
        using var again = await BatchUploads.PostLinesAsync(http, key, lines);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(250, batch.Total);
        Assert.Equal(0, batch.Rejected);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(batch.Id, (await again.ReadAsync<BatchView>()).Id);
        var finished = await BatchUploads.WaitForBatchAsync(http, batch.Id);
        Assert.Equal(250, finished.CountOf(JobStatus.Succeeded));
        var wire = await http.GetStringAsync(new Uri($"/v1/batches/{batch.Id}", UriKind.Relative), Api.Token);
        Assert.Contains("\"counts\":{\"succeeded\":250}", wire, StringComparison.Ordinal);
        var page = await http.GetFromJsonAsync<Page<JobView>>($"/v1/jobs?batchId={batch.Id}&limit=1000", TurboJson.Options, Api.Token);
        Assert.Equal(250, page!.Items.Count);
        Assert.All(page.Items, j => Assert.Equal(batch.Id, j.BatchId));
    }

    [Fact]
    public async Task A_bad_line_answers_400_naming_its_line_number_and_field()
    {
        using var http = Host.Client("batcher");
        var lines = new StringBuilder();
        for (var i = 1; i <= 150; i++)
        {
            lines.Append(i == 123 ? """{"prompt": "broken", "frames": 6}""" : $$"""{"prompt": "shot {{i}}", "frames": 5, "steps": 1}""").Append('\n');
        }

        using var response = await BatchUploads.PostLinesAsync(http, Guid.NewGuid().ToString(), lines.ToString());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.ProblemAsync()).GetProperty("errors");
        Assert.Contains("4k+1", errors.GetProperty("lines[123].frames")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_last_line_of_an_upload_of_several_parts_queues_nothing_and_leaves_no_batch()
    {
        using var http = Host.Client("streamer");
        var key = Guid.NewGuid().ToString();
        var batchId = TurboDiffusion.Farm.Contracts.JobIds.ForBatch("streamer", key);
        var lines = new StringBuilder();
        for (var i = 1; i <= 250; i++)
        {
            lines.Append(i == 250 ? """{"prompt": "broken", "steps": 9}""" : $$"""{"prompt": "shot {{i}}", "frames": 5, "steps": 1}""").Append('\n');
        }

        using var response = await BatchUploads.PostLinesAsync(http, key, lines.ToString());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.ProblemAsync()).GetProperty("errors").TryGetProperty("lines[250].steps", out _));
        var jobs = await http.GetFromJsonAsync<Page<JobView>>($"/v1/jobs?batchId={batchId}&limit=1000", TurboJson.Options, Api.Token);
        Assert.Empty(jobs!.Items);
        var tenantJobs = await http.GetFromJsonAsync<Page<JobView>>("/v1/jobs?limit=1000", TurboJson.Options, Api.Token);
        Assert.Empty(tenantJobs!.Items);
        using var batch = await http.GetAsync(new Uri($"/v1/batches/{batchId}", UriKind.Relative), Api.Token);
        Assert.Equal(HttpStatusCode.NotFound, batch.StatusCode);
    }

    [Fact]
    public async Task A_batch_cancels_and_another_tenant_cannot_see_it()
    {
        using var http = Host.Client("batcher");
        using var other = Host.Client("studio-b");
        using var response = await BatchUploads.PostLinesAsync(http, Guid.NewGuid().ToString(), """{"prompt": "one"}""" + "\n" + """{"prompt": "two"}""");
        var batch = await response.ReadAsync<BatchView>();

        using var cancel = await http.PostAsync(new Uri($"/v1/batches/{batch.Id}/cancel", UriKind.Relative), null, Api.Token);
        using var foreign = await other.GetAsync(new Uri($"/v1/batches/{batch.Id}", UriKind.Relative), Api.Token);

        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        var finished = await BatchUploads.WaitForBatchAsync(http, batch.Id);
        Assert.Equal(2, finished.Finished);
        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
        var listed = await http.GetFromJsonAsync<Page<BatchView>>("/v1/batches?limit=100", TurboJson.Options, Api.Token);
        Assert.Contains(listed!.Items, b => b.Id == batch.Id && b.Total == 2);
        var otherList = await other.GetFromJsonAsync<Page<BatchView>>("/v1/batches", TurboJson.Options, Api.Token);
        Assert.DoesNotContain(otherList!.Items, b => b.Id == batch.Id);
    }

    [Fact]
    public async Task A_batchs_job_listing_shows_a_running_jobs_latest_step()
    {
        using var http = Host.Client("batcher");
        using var response = await BatchUploads.PostLinesAsync(http, Guid.NewGuid().ToString(), $$"""{"prompt": "a stalled shot {{SharedGateway.HangMarker}}"}""");
        var batch = await response.ReadAsync<BatchView>();

        var deadline = DateTime.UtcNow.AddSeconds(30);
        JobView? running = null;
        while (running?.Progress is not { Stage: "denoising" } && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, Api.Token);
            running = (await http.GetFromJsonAsync<Page<JobView>>($"/v1/batches/{batch.Id}/jobs", TurboJson.Options, Api.Token))!.Items.Single();
        }

        using var cancel = await http.PostAsync(new Uri($"/v1/batches/{batch.Id}/cancel", UriKind.Relative), null, Api.Token);
        Assert.Equal(JobStatus.Running, running!.Status);
        Assert.Equal(new ProgressView("denoising", 1, 4, running.Progress!.ElapsedSeconds), running.Progress);
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        Assert.Equal(1, (await BatchUploads.WaitForBatchAsync(http, batch.Id)).CountOf(JobStatus.Canceled));
    }
}
