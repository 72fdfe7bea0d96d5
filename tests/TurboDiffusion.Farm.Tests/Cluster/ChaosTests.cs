using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;
using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Farm.Hosting;
using TurboDiffusion.Farm.Stores;
using TurboDiffusion.Farm.Stores.Blob;
using TurboDiffusion.Farm.Stores.Redis;
using TurboDiffusion.Farm.Tests.Support;
using TurboDiffusion.Farm.Webhooks;
using TurboDiffusion.Gateway.Tests.Support;
using TurboDiffusion.Gateway.Webhooks;
using TurboDiffusion.Silo.Simulation;

namespace TurboDiffusion.Farm.Tests.Cluster;

/// <summary>
/// The farm under everything at once: a 500-job workload on the multi-silo cluster with its job state and webhook
/// outbox in a Redis of its own, its artifacts in Azurite and its webhooks sent by the gateway's dispatcher, while
/// silos are killed and replaced every few seconds, Redis is restarted and the blob service is cut off for 10 s.
/// </summary>
[Collection(MultiSiloGroup.Name)]
public sealed partial class ChaosTests
{
    private const int Jobs = 500;

    /// <summary>
    /// A job handed back (lost silo, expired lease, machine fault) is leased again within this: the lease (3 s here),
    /// the longest outage (the blob service's 10 s, during which workers are unready) and a margin for the sweep and
    /// a busy machine.
    /// </summary>
    private static readonly TimeSpan RequeueBound = TimeSpan.FromSeconds(30);

    private const string WebhookSecret = "chaos-webhook-secret-0123456789";

    [Fact]
    public async Task Every_accepted_job_ends_exactly_once_with_its_artifact_through_kills_a_redis_restart_and_a_blob_outage()
    {
        using var redis = await RedisServerProcess.StartAsync();
        await using var multiplexer = await ConnectionMultiplexer.ConnectAsync($"{redis.Endpoint},abortConnect=false,connectTimeout=2000");
        var store = new RedisJobStore(multiplexer, Microsoft.Extensions.Options.Options.Create(new RedisOptions()), TimeProvider.System, NullLogger<RedisJobStore>.Instance);
        await RealServices.EnsureBlobAsync();
        await using var blobGate = new TcpGate(BlobPort(RealServices.BlobConnectionString));
        var container = $"chaos-{Guid.NewGuid():N}";
        var blobSettings = new Dictionary<string, string?>
        {
            ["Turbo:Blob:Layout"] = "SharedContainer",
            ["Turbo:Blob:Container"] = container,
        };
        var settings = new Dictionary<string, string?>(blobSettings)
        {
            ["Turbo:Blob:ConnectionString"] = WithBlobPort(RealServices.BlobConnectionString, blobGate.Port),
            ["Turbo:Worker:PreflightRetryInterval"] = "00:00:01",
            ["Turbo:Worker:PreflightTimeout"] = "00:00:02",
        };
        var outbox = new RedisWebhookOutbox(multiplexer, Microsoft.Extensions.Options.Options.Create(new RedisOptions()));
        // Engines free for the next job once its steps are done, as a GPU worker's is by default: each worker holds
        // two jobs at a time, one decoding and uploading beside the one denoising.
        var engine = () => new SimulatedVideoEngine { StepTime = TimeSpan.FromMilliseconds(20), DecodeTime = TimeSpan.FromMilliseconds(30), OverlapDecode = true };
        await using var farm = await TestFarm.StartAsync(3, _ => engine(), settings, store, silo =>
        {
            silo.Services.AddBlobArtifacts();
            silo.Services.Replace(ServiceDescriptor.Singleton<IWebhookOutbox>(outbox));
        });
        await using var receiver = await WebhookReceiver.StartAsync();
        using var dispatcher = await StartDispatcherAsync(outbox);

        var accepted = new ConcurrentBag<string>();
        var workload = SubmitAsync(farm, accepted, new Uri(receiver.BaseAddress, "/hooks/chaos"));
        var chaos = Task.WhenAll(KillAndReplaceSilosAsync(farm, workload), RestartRedisAsync(redis), CutBlobAsync(blobGate));
        await workload;
        await chaos;
        var finished = await Task.WhenAll(accepted.Select(id => farm.WaitForAsync(id, j => j.Status.IsTerminal(), seconds: 240)));

        var outcomes = finished.SelectMany(j => j.Attempts).GroupBy(a => a.Outcome?.ToString() ?? "none").Select(g => $"{g.Key} {g.Count()}");
        TestContext.Current.TestOutputHelper?.WriteLine($"{accepted.Count} of {Jobs} accepted; attempts: {string.Join(", ", outcomes)}");
        Assert.True(accepted.Count >= Jobs * 9 / 10, $"only {accepted.Count} of {Jobs} submissions were accepted");
        Assert.All(finished, j => Assert.True(j.Status == JobStatus.Succeeded, $"{j.JobId} ended {j.Status}: {j.Failure?.Message}"));
        Assert.All(finished, j => Assert.Single(j.Attempts, a => a.Outcome == AttemptOutcome.Succeeded));
        Assert.All(finished, RequeuedWithinBound);
        var artifacts = new BlobArtifactStore(Microsoft.Extensions.Options.Options.Create(new BlobArtifactOptions
        {
            ConnectionString = RealServices.BlobConnectionString,
            Layout = BlobLayout.SharedContainer,
            Container = container,
        }));
        foreach (var job in finished)
        {
            Assert.Equal(job.Artifact!.Bytes, await SizeAsync(artifacts, job.Artifact, job.Artifact.VideoName) + await SizeAsync(artifacts, job.Artifact, job.Artifact.SidecarName));
            Assert.Equal([job.Artifact.LeaseToken], await artifacts.ListAttemptsAsync(job.Spec.Tenant, job.JobId, TestContext.Current.CancellationToken));
        }

        await EveryWebhookDeliveredAsync(outbox, receiver, finished);
        await dispatcher.StopAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>
    /// Every delivery the farm queued ends delivered and reached the receiver at least once; none is reported given up
    /// although the receiver answered it 2xx. Each job's deliveries follow its changes: queued first, succeeded last.
    /// </summary>
    private static async Task EveryWebhookDeliveredAsync(RedisWebhookOutbox outbox, WebhookReceiver receiver, IReadOnlyList<JobState> finished)
    {
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(60);
        var deliveries = new Dictionary<string, IReadOnlyList<WebhookDelivery>>();
        foreach (var job in finished)
        {
            IReadOnlyList<WebhookDelivery> ofJob;
            while ((ofJob = await outbox.ListForJobAsync(job.JobId, TestContext.Current.CancellationToken)).Any(d => d.Status == WebhookDeliveryStatus.Pending) && DateTimeOffset.UtcNow < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), TestContext.Current.CancellationToken);
            }

            deliveries[job.JobId] = ofJob;
        }

        var answered = receiver.Calls.Where(c => c.Answered is >= 200 and < 300).Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
        var all = deliveries.Values.SelectMany(d => d).ToList();
        TestContext.Current.TestOutputHelper?.WriteLine($"{all.Count} webhook deliveries, {receiver.Calls.Count} calls received");
        Assert.All(all, d => Assert.True(d.Status == WebhookDeliveryStatus.Delivered, $"{d.Id} ({d.Event}) is {d.Status} after {d.Attempts} attempts: {d.LastError}"));
        Assert.All(all, d => Assert.True(answered.Contains(d.Id), $"{d.Id} ({d.Event}) is recorded delivered but the receiver never answered it 2xx"));
        foreach (var (jobId, ofJob) in deliveries.Where(d => d.Value.Count > 0))
        {
            Assert.True(ofJob[0].Event == "job.queued", $"{jobId}: first delivery is {ofJob[0].Event}");
            Assert.Equal(ofJob.Count, ofJob.Select(d => d.Id).Distinct(StringComparer.Ordinal).Count());
        }

        var unrecorded = receiver.Calls.Select(c => c.Id).Distinct(StringComparer.Ordinal).Except(all.Select(d => d.Id), StringComparer.Ordinal).ToList();
        Assert.True(unrecorded.Count == 0, $"the receiver got deliveries the outbox does not hold: {string.Join(", ", unrecorded.Take(5))}");
    }

    /// <summary>The gateway's webhook dispatcher, alone on a host of its own as it is in a gateway process, over the farm's outbox.</summary>
    private static async Task<IHost> StartDispatcherAsync(IWebhookOutbox outbox)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Turbo:Webhooks:SigningSecret"] = WebhookSecret,
            ["Turbo:Webhooks:AllowPrivateTargets"] = "true",
            ["Turbo:Webhooks:PollInterval"] = "00:00:00.020",
            ["Turbo:Webhooks:FirstRetryDelay"] = "00:00:00.200",
        });
        builder.Services.AddSingleton(outbox);
        builder.Services.AddWebhookDispatch();
        var host = builder.Build();
        await host.StartAsync(TestContext.Current.CancellationToken);
        return host;
    }

    private static void RequeuedWithinBound(JobState job)
    {
        for (var i = 1; i < job.Attempts.Length; i++)
        {
            var (lost, next) = (job.Attempts[i - 1], job.Attempts[i]);
            Assert.True(next.LeasedAt - lost.EndedAt <= RequeueBound,
                $"{job.JobId}: attempt {i + 1} leased {(next.LeasedAt - lost.EndedAt)?.TotalSeconds:0.0} s after attempt {i} ended ({lost.Outcome}); bound {RequeueBound.TotalSeconds} s");
        }
    }

    private static async Task SubmitAsync(TestFarm farm, ConcurrentBag<string> accepted, Uri webhook)
    {
        for (var start = 0; start < Jobs; start += 25)
        {
            await Task.WhenAll(Enumerable.Range(start, Math.Min(25, Jobs - start)).Select(async i =>
            {
                try
                {
                    accepted.Add((await farm.SubmitAsync(Specs.Job(tenant: i % 2 == 0 ? "studio-a" : "studio-b", key: $"chaos-{i}") with { Webhook = webhook })).JobId);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    // Refused while Redis restarts: the client saw the error, so the job was never accepted.
                }
            }));
            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }
    }

    /// <summary>Kills a silo other than the first (which holds the test cluster's membership) every 4 s, starting a replacement each time.</summary>
    private static async Task KillAndReplaceSilosAsync(TestFarm farm, Task workload)
    {
        await Task.Delay(TimeSpan.FromSeconds(2));
        for (var kill = 0; kill < 6 && !workload.IsCompleted; kill++)
        {
            var victim = farm.Cluster.Silos.Skip(1).FirstOrDefault(s => s.IsActive);
            if (victim is not null)
            {
                await farm.Cluster.KillSiloAsync(victim);
                await farm.Cluster.StartAdditionalSiloAsync();
            }

            await Task.Delay(TimeSpan.FromSeconds(4));
        }
    }

    private static async Task RestartRedisAsync(RedisServerProcess redis)
    {
        await Task.Delay(TimeSpan.FromSeconds(6));
        await redis.RestartAsync(down: TimeSpan.FromSeconds(2));
    }

    private static async Task CutBlobAsync(TcpGate gate)
    {
        await Task.Delay(TimeSpan.FromSeconds(12));
        await gate.CloseForAsync(TimeSpan.FromSeconds(10));
    }

    private static async Task<long> SizeAsync(BlobArtifactStore artifacts, ArtifactRef artifact, string name)
    {
        await using var stream = await artifacts.OpenReadAsync(artifact, name, TestContext.Current.CancellationToken);
        var copy = new MemoryStream();
        await stream.CopyToAsync(copy, TestContext.Current.CancellationToken);
        return copy.Length;
    }

    private static int BlobPort(string connectionString) => int.Parse(BlobEndpoint().Match(connectionString).Groups["port"].Value, System.Globalization.CultureInfo.InvariantCulture);

    private static string WithBlobPort(string connectionString, int port) =>
        BlobEndpoint().Replace(connectionString, m => $"{m.Groups["head"].Value}{port}{m.Groups["tail"].Value}");

    [GeneratedRegex(@"(?<head>BlobEndpoint=http://127\.0\.0\.1:)(?<port>\d+)(?<tail>/)")]
    private static partial Regex BlobEndpoint();
}
