using System.Text.Json;
using StackExchange.Redis;
using TurboDiffusion.Client;
using TurboDiffusion.Client.Models;
using TurboDiffusion.Gateway.Tests.Support;
using TurboDiffusion.Silo.Simulation;

namespace TurboDiffusion.Gateway.Tests.Apis;

/// <summary>
/// Estimates over HTTP and through the SDK, with job state and progress in the real Redis (Turbo__Test__Redis): a
/// running job's finish from its measured steps, a queued job's place, workers, start and reason, what the pool learns
/// from a finished job, and the job.queued webhook.
/// </summary>
public sealed class JobEstimatesApiTests : IAsyncDisposable
{
    private const string Secret = "webhook-secret-0123456789";
    private static readonly TimeSpan StepTime = TimeSpan.FromMilliseconds(400);

    private readonly string redis = Environment.GetEnvironmentVariable("Turbo__Test__Redis") is { Length: > 0 } r ? r : "127.0.0.1:6379";
    private readonly string prefix = $"test:{Guid.NewGuid():N}:";

    private Dictionary<string, string?> Settings() => new()
    {
        ["Turbo:Redis:ConnectionString"] = redis,
        ["Turbo:Redis:KeyPrefix"] = prefix,
        ["Turbo:Worker:DrainGracePeriod"] = "00:00:00.200",
        ["Turbo:Webhooks:SigningSecret"] = Secret,
        ["Turbo:Webhooks:AllowPrivateTargets"] = "true",
        ["Turbo:Webhooks:PollInterval"] = "00:00:00.020",
    };

    [Fact]
    public async Task A_running_job_finishes_by_its_measured_steps_and_the_job_behind_it_knows_its_place_and_what_the_pool_measured()
    {
        await using var host = await GatewayHost.StartAsync(["studio"], new SimulatedVideoEngine { StepTime = StepTime }, Settings());
        using var http = host.Client("studio");
        using var farm = new TurboFarmClient(new TurboClientOptions { BaseAddress = host.BaseAddress, ApiKey = GatewayHost.KeyOf("studio") });
        var first = await http.SubmitOkAsync(new JobRequest { Prompt = "first in line", Steps = 4 });
        var second = await http.SubmitOkAsync(new JobRequest { Prompt = "second in line", Steps = 4 });

        var running = await http.WaitForAsync(first.Id, j => j.Progress is { Stage: "denoising", Done: >= 2 } && j.Estimate?.StepSeconds is not null);
        var asked = DateTimeOffset.UtcNow;
        var queued = await farm.GetAsync(second.Id, Api.Token);
        var done = await http.WaitForAsync(first.Id, j => j.IsFinished);
        var third = await farm.SubmitAsync(new JobRequest { Prompt = "third in line", Steps = 4 }, cancellationToken: Api.Token);
        var priced = await farm.GetAsync(third.Id, Api.Token);

        var run = running.Estimate!;
        Assert.Null(run.Cause);
        Assert.InRange(run.StepSeconds!.Value, StepTime.TotalSeconds * 0.9, StepTime.TotalSeconds * 1.5);
        Assert.True(Math.Abs((run.FinishAt!.Value - done.Timings.FinishedAt!.Value).TotalSeconds) < 0.5, $"expected to finish at {run.FinishAt:O}, finished at {done.Timings.FinishedAt:O}");
        var wait = queued.Estimate!;
        Assert.Equal(("queue", 1, 1, 1, "configured"), (wait.Cause, wait.Position, wait.Workers, wait.BusyWorkers, wait.CostSource));
        Assert.Equal("0 jobs ahead in pool 'default', 1 of 1 worker that can render tiny at 144p busy", queued.WaitingReason);
        Assert.True(wait.StartAt >= asked.AddSeconds(-1) && wait.FinishAt > wait.StartAt, $"start {wait.StartAt:O}, finish {wait.FinishAt:O}");
        Assert.Equal("measured", priced.Estimate!.CostSource);
        Assert.InRange(priced.Estimate.JobSeconds, 4 * StepTime.TotalSeconds, (4 * StepTime.TotalSeconds) + 2);
    }

    [Fact]
    public async Task The_job_queued_webhook_carries_the_jobs_place_and_why_it_waits()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var host = await GatewayHost.StartAsync(["studio"], new SimulatedVideoEngine { Behavior = (r, _) => r.Prompt == "blocker" ? SimulatedBehavior.Hang : SimulatedBehavior.Succeed }, Settings());
        using var http = host.Client("studio");
        var blocker = await http.SubmitOkAsync(new JobRequest { Prompt = "blocker" });
        await http.WaitForAsync(blocker.Id, j => j.Status == JobStatus.Running);

        var hooked = await http.SubmitOkAsync(new JobRequest { Prompt = "behind the blocker", Webhook = new Uri(receiver.BaseAddress, "/hooks") });
        for (var waited = 0; receiver.Calls.IsEmpty && waited < 300; waited++)
        {
            await Task.Delay(50, Api.Token);
        }

        await http.PostAsync($"/v1/jobs/{blocker.Id}/cancel", null, Api.Token);

        var queued = JsonSerializer.Deserialize<WebhookEvent>(receiver.Calls.First().Body, TurboJson.Options)!;
        Assert.Equal(("job.queued", hooked.Id), (queued.Type, queued.Job.Id));
        Assert.Equal(("queue", 1, 1, 1), (queued.Job.Estimate!.Cause, queued.Job.Estimate.Position, queued.Job.Estimate.Workers, queued.Job.Estimate.BusyWorkers));
        Assert.StartsWith("0 jobs ahead in pool 'default'", queued.Job.WaitingReason, StringComparison.Ordinal);
        Assert.NotNull(queued.Job.Estimate.StartAt);
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
