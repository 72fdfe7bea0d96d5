using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;
using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Farm.Hosting;
using TurboDiffusion.Farm.Stores;
using TurboDiffusion.Farm.Stores.Blob;
using TurboDiffusion.Farm.Stores.Redis;
using TurboDiffusion.Farm.Tests.Support;
using TurboDiffusion.Silo.Simulation;

namespace TurboDiffusion.Farm.Tests.Cluster;

/// <summary>
/// The farm under everything at once: a 500-job workload on the multi-silo cluster with its job state in a Redis of
/// its own and its artifacts in Azurite, while silos are killed and replaced every few seconds, Redis is restarted
/// and the blob service is cut off for 10 s.
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
        await using var farm = await TestFarm.StartAsync(3, _ => new SimulatedVideoEngine { StepTime = TimeSpan.FromMilliseconds(20) }, settings, store,
            silo => silo.Services.AddBlobArtifacts());

        var accepted = new ConcurrentBag<string>();
        var workload = SubmitAsync(farm, accepted);
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
            Assert.Contains(job.Artifact.LeaseToken, await artifacts.ListAttemptsAsync(job.Spec.Tenant, job.JobId, TestContext.Current.CancellationToken));
        }
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

    private static async Task SubmitAsync(TestFarm farm, ConcurrentBag<string> accepted)
    {
        for (var start = 0; start < Jobs; start += 25)
        {
            await Task.WhenAll(Enumerable.Range(start, Math.Min(25, Jobs - start)).Select(async i =>
            {
                try
                {
                    accepted.Add((await farm.SubmitAsync(Specs.Job(tenant: i % 2 == 0 ? "studio-a" : "studio-b", key: $"chaos-{i}"))).JobId);
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
