using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using TurboDiffusion.Client;
using TurboDiffusion.Client.Models;
using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Gateway.Tests.Support;
using TurboDiffusion.Silo.Simulation;

namespace TurboDiffusion.Gateway.Tests.Apis;

/// <summary>GET /v1/workers shows every tenant the fleet, but not the server's file system.</summary>
public sealed class WorkersApiTests : IAsyncLifetime
{
    private const string Health = "The artifact directory cannot be written: Access to the path '/srv/turbo/artifacts/.probe-1' is denied.";

    private GatewayHost? host;

    private GatewayHost Host => host!;

    public async ValueTask InitializeAsync() => host = await GatewayHost.StartAsync(["studio-a"]);

    public async ValueTask DisposeAsync() => await Host.DisposeAsync();

    [Fact]
    public async Task A_workers_health_reaches_tenants_with_file_names_only_and_the_admin_whole()
    {
        var registry = Host.App.Services.GetRequiredService<IGrainFactory>().GetGrain<IWorkerRegistryGrain>("default");
        var live = await WaitForWorkerAsync(registry);
        await registry.Report(live with { WorkerId = "unhealthy-worker", State = WorkerState.Unhealthy, Health = Health, ReportedAt = DateTimeOffset.UtcNow });

        using var tenant = Host.Client("studio-a");
        using var admin = Host.Client(null);
        var seenByTenant = Assert.Single((await tenant.GetFromJsonAsync<List<WorkerView>>("/v1/workers", TurboJson.Options, Api.Token))!, w => w.Id == "unhealthy-worker");
        var seenByAdmin = Assert.Single((await admin.GetFromJsonAsync<List<WorkerView>>("/v1/workers", TurboJson.Options, Api.Token))!, w => w.Id == "unhealthy-worker");

        Assert.Equal("The artifact directory cannot be written: Access to the path '.probe-1' is denied.", seenByTenant.Health);
        Assert.Equal(Health, seenByAdmin.Health);
    }

    [Fact]
    public async Task A_pool_shows_the_model_loads_its_scheduler_measured_on_each_worker()
    {
        await using var loading = await GatewayHost.StartAsync(["studio-a"], new SimulatedVideoEngine { StepTime = TimeSpan.FromMilliseconds(20), LoadTime = TimeSpan.FromMilliseconds(400) });
        using var http = loading.Client("studio-a");
        var job = await http.SubmitOkAsync(new JobRequest { Prompt = "a slow first load", Model = "tiny" });
        await http.WaitForAsync(job.Id, j => j.Status == Client.Models.JobStatus.Succeeded);

        var pool = Assert.Single((await http.GetFromJsonAsync<List<PoolView>>("/v1/pools", TurboJson.Options, Api.Token))!);
        var worker = Assert.Single((await http.GetFromJsonAsync<List<WorkerView>>("/v1/workers", TurboJson.Options, Api.Token))!);

        var load = Assert.Single(pool.ModelLoads!);
        Assert.Equal((worker.Id, "tiny", 1), (load.Worker, load.Model, load.Loads));
        // Timed from the worker's progress reports as they reach the job: a report's trip late at either end.
        Assert.InRange(load.Seconds, 0.25, 0.55);
    }

    private static async Task<WorkerInfo> WaitForWorkerAsync(IWorkerRegistryGrain registry)
    {
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            if ((await registry.List()).FirstOrDefault() is { } worker)
            {
                return worker;
            }

            Assert.True(DateTimeOffset.UtcNow < deadline, "no worker reported itself within 30 s");
            await Task.Delay(TimeSpan.FromMilliseconds(100), Api.Token);
        }
    }
}
