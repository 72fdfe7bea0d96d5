using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using StackExchange.Redis;
using TurboDiffusion.Client.Models;
using TurboDiffusion.Gateway.Tests.Support;

namespace TurboDiffusion.Gateway.Tests.Apis;

/// <summary>
/// A tenant quota in estimated GPU-seconds over HTTP, on the real Redis (Turbo__Test__Redis). The tiny model is given
/// 10 s a step at its default size (256x144x5, 288 tokens), so each 1-step line counts 10 against a quota of 35.
/// </summary>
public sealed class GpuSecondsQuotaApiTests : IAsyncDisposable
{
    private readonly string redis = Environment.GetEnvironmentVariable("Turbo__Test__Redis") is { Length: > 0 } r ? r : "127.0.0.1:6379";
    private readonly string prefix = $"test:{Guid.NewGuid():N}:";

    private Dictionary<string, string?> Settings() => new()
    {
        ["Turbo:Worker:Pool"] = "elsewhere",
        ["Turbo:Redis:ConnectionString"] = redis,
        ["Turbo:Redis:KeyPrefix"] = prefix,
        ["Turbo:Admission:QuotaUnit"] = "gpu-seconds",
        ["Turbo:Admission:MaxQueuedGpuSecondsPerTenant"] = "35",
        // A 1-step job at the estimate's reference clip (480P, 81 frames) then costs 10 GPU-seconds (JobCostEstimate).
        ["Turbo:Cost:StepSeconds:tiny"] = "10",
        ["Turbo:Cost:OverheadSeconds"] = "0",
        ["Turbo:Gateway:BatchPartSize"] = "4",
        ["Turbo:Worker:DrainGracePeriod"] = "00:00:00.200",
    };

    [Fact]
    public async Task An_upload_over_a_gpu_seconds_quota_holds_what_does_not_fit_and_the_pool_and_the_jobs_say_so_in_gpu_seconds()
    {
        await using var host = await GatewayHost.StartAsync(["studio"], settings: Settings());
        using var http = host.Client("studio");

        using var response = await BatchUploads.PostLinesAsync(
            http, Guid.NewGuid().ToString(), string.Concat(Enumerable.Range(0, 10).Select(i => string.Create(CultureInfo.InvariantCulture, $$"""{"prompt": "shot {{i}}", "resolution": "480p", "frames": 81, "steps": 1}""") + "\n")));
        var batch = await response.ReadAsync<BatchView>();
        var listed = await http.GetFromJsonAsync<Page<JobView>>($"/v1/batches/{batch.Id}/jobs?limit=100", TurboJson.Options, Api.Token);
        var lastJob = await http.GetFromJsonAsync<JobView>($"/v1/jobs/{listed!.Items[^1].Id}", TurboJson.Options, Api.Token);
        var pools = await http.GetFromJsonAsync<List<PoolView>>("/v1/pools", TurboJson.Options, Api.Token);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal((3, 7, 0), (batch.CountOf(JobStatus.Queued), batch.CountOf(JobStatus.Held), batch.Rejected));
        Assert.Contains("has 30.0 GPU-seconds queued in pool 'default', its quota is 35.0 GPU-seconds (Turbo:Admission:MaxQueuedGpuSecondsPerTenant)", lastJob!.WaitingReason, StringComparison.Ordinal);
        var pool = Assert.Single(pools!, p => p.Pool == "default");
        Assert.Equal(("gpu-seconds", 3, 30.0, 7, 70.0), (pool.QuotaUnit, pool.Depth, pool.QueuedInUnit, pool.Held, pool.HeldInUnit));
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
}
