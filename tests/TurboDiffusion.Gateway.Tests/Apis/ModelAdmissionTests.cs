using System.Net;
using System.Net.Http.Json;
using System.Text;
using TurboDiffusion.Client.Models;
using TurboDiffusion.Gateway.Tests.Support;

namespace TurboDiffusion.Gateway.Tests.Apis;

/// <summary>
/// A job's model is checked at admission against what the pools serve: here the pool "big" serves wan-big and the
/// built-in random-1.3B (Turbo:Scheduler:RandomModelPools), and the worker preloads wan-warm.
/// </summary>
public sealed class ModelAdmissionTests : IAsyncLifetime
{
    private GatewayHost? host;

    private GatewayHost Host => host!;

    public async ValueTask InitializeAsync() =>
        host = await GatewayHost.StartAsync(["modeler"], settings: new Dictionary<string, string?>
        {
            ["Turbo:Scheduler:ModelPools:wan-big"] = "big",
            ["Turbo:Scheduler:ModelPools:random-1.3B"] = "big",
            ["Turbo:Scheduler:RandomModelPools:0"] = "big",
            ["Turbo:Worker:Preload:0"] = "wan-warm",
            ["Turbo:Gateway:BatchPartSize"] = "10",
        });

    public async ValueTask DisposeAsync()
    {
        if (host is not null)
        {
            await host.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_model_no_pool_serves_is_refused_naming_the_model_and_the_known_ones()
    {
        using var http = Host.Client("modeler");

        using var response = await http.SubmitAsync(new JobRequest { Prompt = "a fox", Model = "wan-bgi" }, Guid.NewGuid().ToString());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = (await response.ProblemAsync()).GetProperty("errors").GetProperty("model")[0].GetString()!;
        Assert.Contains("'wan-bgi' is not served", problem, StringComparison.Ordinal);
        Assert.Contains("random-1.3B, tiny, wan-big", problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Models_of_the_pools_settings_are_admitted()
    {
        using var http = Host.Client("modeler");

        foreach (var model in new[] { "tiny", "wan-big", "random-1.3b" })
        {
            using var response = await http.SubmitAsync(new JobRequest { Prompt = "a fox", Model = model, Frames = 5, Steps = 1 }, Guid.NewGuid().ToString());
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }
    }

    [Fact]
    public async Task A_built_in_random_model_is_refused_where_its_pool_does_not_enable_it()
    {
        using var http = Host.Client("modeler");

        using var response = await http.SubmitAsync(new JobRequest { Prompt = "a fox", Model = "random-14b" }, Guid.NewGuid().ToString());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("'random-14b' is not served", (await response.ProblemAsync()).GetProperty("errors").GetProperty("model")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_model_a_worker_preloaded_is_admitted()
    {
        using var http = Host.Client("modeler");
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline && !(await http.GetFromJsonAsync<List<WorkerView>>("/v1/workers", TurboJson.Options, Api.Token))!.Any(w => w.LoadedModels.Contains("wan-warm")))
        {
            await Task.Delay(50, Api.Token);
        }

        using var response = await http.SubmitAsync(new JobRequest { Prompt = "a fox", Model = "wan-warm", Frames = 5, Steps = 1 }, Guid.NewGuid().ToString());

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Fact]
    public async Task A_batch_line_naming_an_unserved_model_answers_400_naming_the_line_and_queues_nothing()
    {
        using var http = Host.Client("modeler");
        var key = Guid.NewGuid().ToString();
        var lines = new StringBuilder();
        for (var i = 1; i <= 25; i++)
        {
            lines.Append(i == 25 ? """{"prompt": "typo", "model": "wan-bgi"}""" : $$"""{"prompt": "shot {{i}}", "frames": 5, "steps": 1}""").Append('\n');
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/batches") { Content = new StringContent(lines.ToString(), Encoding.UTF8, "application/x-ndjson") };
        request.Headers.Add("Idempotency-Key", key);
        using var response = await http.SendAsync(request, Api.Token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("'wan-bgi' is not served", (await response.ProblemAsync()).GetProperty("errors").GetProperty("lines[25].model")[0].GetString(), StringComparison.Ordinal);
        var batchId = TurboDiffusion.Farm.Contracts.JobIds.ForBatch("modeler", key);
        var jobs = await http.GetFromJsonAsync<Page<JobView>>($"/v1/jobs?batchId={batchId}&limit=1000", TurboJson.Options, Api.Token);
        Assert.Empty(jobs!.Items);
    }
}
