using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using StackExchange.Redis;
using TurboDiffusion.Client.Models;
using TurboDiffusion.Gateway.Tests.Support;
using TurboDiffusion.Silo.Simulation;

namespace TurboDiffusion.Gateway.Tests.Apis;

/// <summary>
/// Uploads larger than the tenant's quota (3 queued jobs) in a pool bound to 12 waiting jobs, on the real Redis
/// (Turbo__Test__Redis): the excess is held, not refused, and only the pool's bound refuses an upload.
/// </summary>
public sealed class HeldBatchesApiTests : IAsyncDisposable
{
    private readonly string redis = Environment.GetEnvironmentVariable("Turbo__Test__Redis") is { Length: > 0 } r ? r : "127.0.0.1:6379";
    private readonly string prefix = $"test:{Guid.NewGuid():N}:";

    /// <param name="workerPool">The pool the host's worker pulls from: elsewhere, the default pool's jobs stay where admission put them.</param>
    private Dictionary<string, string?> Settings(string workerPool = "elsewhere") => new()
    {
        ["Turbo:Worker:Pool"] = workerPool,
        ["Turbo:Redis:ConnectionString"] = redis,
        ["Turbo:Redis:KeyPrefix"] = prefix,
        ["Turbo:Admission:MaxQueuedPerTenant"] = "3",
        ["Turbo:Admission:MaxQueuedPerPool"] = "12",
        ["Turbo:Gateway:BatchPartSize"] = "4",
        ["Turbo:Worker:DrainGracePeriod"] = "00:00:00.200",
    };

    [Fact]
    public async Task An_upload_over_the_quota_is_accepted_with_its_excess_held_and_a_cancel_reaches_the_held_jobs()
    {
        await using var host = await GatewayHost.StartAsync(["studio"], settings: Settings());
        using var http = host.Client("studio");

        using var response = await PostLinesAsync(http, Guid.NewGuid().ToString(), 10);
        var batch = await response.ReadAsync<BatchView>();
        var listed = await http.GetFromJsonAsync<Page<JobView>>($"/v1/batches/{batch.Id}/jobs?limit=100", TurboJson.Options, Api.Token);
        var lastJob = await http.GetFromJsonAsync<JobView>($"/v1/jobs/{listed!.Items[^1].Id}", TurboJson.Options, Api.Token);
        var wire = await http.GetStringAsync(new Uri($"/v1/batches/{batch.Id}", UriKind.Relative), Api.Token);
        using var cancel = await http.PostAsync(new Uri($"/v1/batches/{batch.Id}/cancel", UriKind.Relative), null, Api.Token);
        var canceled = await cancel.ReadAsync<BatchView>();

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(10, batch.Total);
        Assert.Equal(0, batch.Rejected);
        Assert.Equal(3, batch.CountOf(JobStatus.Queued));
        Assert.Equal(7, batch.CountOf(JobStatus.Held));
        Assert.Contains("\"held\":7", wire, StringComparison.Ordinal);
        Assert.Equal(JobStatus.Held, lastJob!.Status);
        Assert.Contains("Turbo:Admission:MaxQueuedPerTenant", lastJob.WaitingReason, StringComparison.Ordinal);
        Assert.Equal(0, canceled.CountOf(JobStatus.Held));
        Assert.Equal(0, canceled.CountOf(JobStatus.Queued));
        Assert.Equal(10, canceled.CountOf(JobStatus.Canceled));
    }

    [Fact]
    public async Task An_upload_past_the_pool_bound_is_refused_whole_saying_how_many_jobs_would_fit()
    {
        await using var host = await GatewayHost.StartAsync(["studio"], settings: Settings());
        using var http = host.Client("studio");
        var key = Guid.NewGuid().ToString();

        using var refused = await PostLinesAsync(http, key, 14);
        var detail = (await refused.ProblemAsync()).GetProperty("detail").GetString();
        var listed = await http.GetFromJsonAsync<Page<BatchView>>("/v1/batches", TurboJson.Options, Api.Token);
        using var fitting = await PostLinesAsync(http, key, 12);

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(30), refused.Headers.RetryAfter?.Delta);
        Assert.Contains("This upload has 14 jobs for pool 'default' and 12 would fit now", detail, StringComparison.Ordinal);
        Assert.Contains("Turbo:Admission:MaxQueuedPerPool", detail, StringComparison.Ordinal);
        Assert.Empty(listed!.Items);
        Assert.Equal(HttpStatusCode.Accepted, fitting.StatusCode);
        var batch = await fitting.ReadAsync<BatchView>();
        Assert.Equal(12, batch.Total);
        Assert.Equal(0, batch.Rejected);
    }

    [Fact]
    public async Task Held_jobs_survive_a_restart_of_the_gateway_and_silo_and_all_run_in_upload_order()
    {
        string batchId;
        await using (var before = await GatewayHost.StartAsync(["studio"], settings: Settings()))
        {
            using var http = before.Client("studio");
            using var response = await PostLinesAsync(http, Guid.NewGuid().ToString(), 10);
            var batch = await response.ReadAsync<BatchView>();
            batchId = batch.Id;
            Assert.Equal(7, batch.CountOf(JobStatus.Held));
        }

        await using var after = await GatewayHost.StartAsync(["studio"], new SimulatedVideoEngine { StepTime = TimeSpan.FromMilliseconds(10) }, Settings(workerPool: "default"));
        using var client = after.Client("studio");
        var finished = await BatchUploads.WaitForBatchAsync(client, batchId);
        var jobs = await client.GetFromJsonAsync<Page<JobView>>($"/v1/batches/{batchId}/jobs?limit=100", TurboJson.Options, Api.Token);

        Assert.Equal(10, finished.CountOf(JobStatus.Succeeded));
        var held = jobs!.Items.Skip(3).ToList();
        Assert.Equal(held.Select(j => j.Id), held.OrderBy(j => j.Timings.LeasedAt).Select(j => j.Id));
    }

    public async ValueTask DisposeAsync()
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis);
        var server = connection.GetServer(connection.GetEndPoints()[0]);
        await foreach (var key in server.KeysAsync(pattern: prefix + "*"))
        {
            await connection.GetDatabase().KeyDeleteAsync(key);
        }
    }

    private static Task<HttpResponseMessage> PostLinesAsync(HttpClient http, string key, int count) =>
        BatchUploads.PostLinesAsync(
            http, key, string.Concat(Enumerable.Range(0, count).Select(i => string.Create(CultureInfo.InvariantCulture, $$"""{"prompt": "shot {{i}}", "frames": 5, "steps": 1}""") + "\n")));
}
