using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Configuration;
using StackExchange.Redis;
using TurboDiffusion.Cli.Farm;
using TurboDiffusion.Client;
using TurboDiffusion.Client.Models;
using TurboDiffusion.Silo.Simulation;

namespace TurboDiffusion.Cli.Benchmarks;

/// <summary>What <c>turbo bench batch</c> runs: the job count, the simulated render, and where job state lives.</summary>
/// <param name="Redis">A Redis connection string for job state; null keeps it in memory.</param>
/// <param name="SeparateGateway">Run the gateway as its own OS process (<see cref="GatewayProcess"/>) beside the silo in this one, so its memory is measured apart; needs Redis.</param>
public sealed record BatchBenchmarkSettings(int Jobs, TimeSpan StepTime, string? Redis, int SummaryProbes = 200, bool SeparateGateway = false);

/// <summary>The separate gateway process's memory, in MiB: when it was ready, once the upload was accepted, and its peak working set up to then.</summary>
public sealed record GatewayMemory(double WorkingSetMiBReady, double WorkingSetMiBAfterUpload, double PeakWorkingSetMiB, double ManagedMiBReady, double ManagedMiBAfterUpload);

/// <summary>One run of <c>turbo bench batch</c>; times in seconds unless named otherwise.</summary>
public sealed record BatchBenchmarkResult(
    int Jobs,
    string JobState,
    double UploadSeconds,
    double FirstLeaseSeconds,
    double SummaryP50Ms,
    double SummaryP99Ms,
    double SummaryMaxMs,
    int SummaryProbes,
    double ListingSeconds,
    int Listed,
    double CancelSeconds,
    int Canceled,
    int FinishedBeforeCancel,
    double? RedisBytesPerJob,
    double ProcessManagedMiBBefore,
    double ProcessManagedMiBAfterUpload,
    double ProcessPeakWorkingSetMiB,
    GatewayMemory? Gateway = null);

/// <summary>
/// A large batch through a farm as a studio drives it: the all-in-one farm (gateway, silo, one GPU worker on the
/// simulated engine) in this process, the SDK over loopback HTTP. Uploads one JSONL batch, waits for the first lease,
/// probes the batch summary while jobs run, lists every job page by page, cancels the batch, and reads what job state
/// cost in Redis. The process hosts gateway, silo and client together, so its memory is an upper bound for the gateway's;
/// with <see cref="BatchBenchmarkSettings.SeparateGateway"/> the gateway runs as its own process and its memory is read apart.
/// </summary>
public static class BatchBenchmark
{
    private const int ListPage = 1000;

    public static async Task<BatchBenchmarkResult> RunAsync(BatchBenchmarkSettings settings, TextWriter log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.SeparateGateway && settings.Redis is null)
        {
            throw new ArgumentException("A separate gateway process finds the silo and the job state through Redis: give --redis too.", nameof(settings));
        }

        var prefix = $"bench-batch:{Guid.NewGuid():N}:";
        using var redis = settings.Redis is { } connection ? await ConnectAsync(connection).ConfigureAwait(false) : null;
        var scratch = Directory.CreateTempSubdirectory("turbo-bench-batch-").FullName;
        try
        {
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(Settings(settings, prefix)).Build();
            var engine = new SimulatedVideoEngine { StepTime = settings.StepTime };
            var role = settings.SeparateGateway ? FarmRole.Silo : FarmRole.All;
            await using var farm = await FarmHost.StartAsync(
                configuration, new FarmHostSettings(role, () => engine, Port: 0, FreeClusterPorts: true, ArtifactsDirectory: scratch, Private: true), cancellationToken).ConfigureAwait(false);
            await using var gateway = settings.SeparateGateway
                ? await GatewayProcess.StartAsync(GatewaySettings(settings, prefix, scratch), cancellationToken).ConfigureAwait(false)
                : null;
            using var client = new TurboFarmClient(new TurboClientOptions { BaseAddress = gateway?.Address ?? farm.Address });
            var gatewayReady = gateway is null ? default : (WorkingSet: gateway.WorkingSetMiB(), Managed: await gateway.ManagedMiBAsync(cancellationToken).ConfigureAwait(false));
            var redisBefore = redis is null ? 0 : await UsedMemoryAsync(redis).ConfigureAwait(false);
            var managedBefore = ManagedMiB();

            log.WriteLine($"uploading {settings.Jobs:N0} jobs to {farm.Address} (job state: {(redis is null ? "memory" : "Redis")})");
            var clock = Stopwatch.StartNew();
            var firstLease = WatchFirstLeaseAsync(client, clock, cancellationToken);
            var batch = await client.SubmitBatchAsync(Items(settings.Jobs, cancellationToken), $"bench-{Guid.NewGuid():N}", cancellationToken).ConfigureAwait(false);
            var upload = clock.Elapsed.TotalSeconds;
            var managedAfterUpload = ManagedMiB();
            var gatewayMemory = gateway is null ? null : new GatewayMemory(
                gatewayReady.WorkingSet, gateway.WorkingSetMiB(), gateway.PeakWorkingSetMiB(), gatewayReady.Managed, await gateway.ManagedMiBAsync(cancellationToken).ConfigureAwait(false));
            if (gatewayMemory is not null)
            {
                log.WriteLine($"gateway process: working set {gatewayMemory.WorkingSetMiBReady:F0} MiB ready, {gatewayMemory.WorkingSetMiBAfterUpload:F0} MiB after the upload, peak {gatewayMemory.PeakWorkingSetMiB:F0} MiB; managed heap {gatewayMemory.ManagedMiBReady:F0} / {gatewayMemory.ManagedMiBAfterUpload:F0} MiB");
            }

            firstLease.BatchId.TrySetResult(batch.Id);
            var leased = await firstLease.Task.ConfigureAwait(false);
            log.WriteLine($"upload accepted in {upload:F1} s; first lease {leased:F2} s after the upload began");

            var collectionsBefore = gateway is null ? null : await gateway.CollectionsAsync(cancellationToken).ConfigureAwait(false);
            var summaries = await ProbeSummariesAsync(client, batch.Id, settings.SummaryProbes, cancellationToken).ConfigureAwait(false);
            if (gateway is not null)
            {
                var collections = (await gateway.CollectionsAsync(cancellationToken).ConfigureAwait(false)).Zip(collectionsBefore!, (after, before) => after - before).ToList();
                log.WriteLine($"gateway process: {collections[0]} gen0, {collections[1]} gen1 and {collections[2]} gen2 collections during the summary probes");
            }

            log.WriteLine($"summary p50 {Percentile(summaries, 0.5):F1} ms, p99 {Percentile(summaries, 0.99):F1} ms over {summaries.Count} probes");
            // Where the tail sits (the first probes, or spread over the run) tells a cold path from contention.
            log.WriteLine("slowest summaries (probe: ms): " + string.Join(", ", summaries.Select((ms, i) => (ms, i)).OrderByDescending(p => p.ms).Take(5).Select(p => $"{p.i}: {p.ms:F1}")));

            clock.Restart();
            var listed = 0;
            for (string? cursor = null; ;)
            {
                var page = await client.ListBatchJobsAsync(batch.Id, new PageRequest(ListPage, cursor), cancellationToken).ConfigureAwait(false);
                listed += page.Items.Count;
                if ((cursor = page.NextCursor) is null)
                {
                    break;
                }
            }

            var listing = clock.Elapsed.TotalSeconds;
            log.WriteLine($"listed {listed:N0} jobs in {listing:F1} s");

            var beforeCancel = await client.GetBatchAsync(batch.Id, cancellationToken).ConfigureAwait(false);
            clock.Restart();
            var canceled = await client.CancelBatchAsync(batch.Id, cancellationToken).ConfigureAwait(false);
            var cancel = clock.Elapsed.TotalSeconds;
            log.WriteLine($"cancel answered in {cancel:F1} s: {canceled.CountOf(JobStatus.Canceled):N0} canceled, {canceled.Finished:N0} of {canceled.Total:N0} finished");

            double? redisPerJob = redis is null ? null : (await UsedMemoryAsync(redis).ConfigureAwait(false) - redisBefore) / (double)settings.Jobs;
            return new BatchBenchmarkResult(
                settings.Jobs, redis is null ? "memory" : "redis", upload, leased,
                Percentile(summaries, 0.5), Percentile(summaries, 0.99), summaries.Max(), summaries.Count,
                listing, listed, cancel, canceled.CountOf(JobStatus.Canceled), beforeCancel.Finished,
                redisPerJob, managedBefore, managedAfterUpload, Process.GetCurrentProcess().PeakWorkingSet64 / (double)(1 << 20), gatewayMemory);
        }
        finally
        {
            if (redis is not null)
            {
                await DeleteKeysAsync(redis, prefix).ConfigureAwait(false);
            }

            Directory.Delete(scratch, recursive: true);
        }
    }

    private static Dictionary<string, string?> Settings(BatchBenchmarkSettings settings, string prefix)
    {
        var values = new Dictionary<string, string?>
        {
            ["Turbo:Admission:MaxQueuedPerTenant"] = Math.Max(settings.Jobs, global::TurboDiffusion.Farm.Options.AdmissionOptions.DefaultMaxQueuedPerTenant).ToString(CultureInfo.InvariantCulture),
        };
        if (settings.Redis is { } redis)
        {
            values["Turbo:Redis:ConnectionString"] = redis;
            values["Turbo:Redis:KeyPrefix"] = prefix;
            values["Turbo:Cluster:ClusterId"] = prefix.TrimEnd(':');
        }

        return values;
    }

    /// <summary>What the separate gateway process needs to find the silo, the job state and the artifacts.</summary>
    private static Dictionary<string, string?> GatewaySettings(BatchBenchmarkSettings settings, string prefix, string artifacts) => new(Settings(settings, prefix))
    {
        ["Turbo:Artifacts:Directory"] = artifacts,
    };

    private static async IAsyncEnumerable<JobRequest> Items(int count, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        for (var i = 0; i < count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return new JobRequest { Prompt = $"shot {i}: a red fox running through fresh snow at dawn", Model = "tiny", Resolution = JobResolution.P144, Frames = 5, Steps = 1 };
            if (i % 4096 == 0)
            {
                await Task.Yield();
            }
        }
    }

    /// <summary>Polls the batch (once its id is known) until one of its jobs has left the queue.</summary>
    private static FirstLease WatchFirstLeaseAsync(TurboFarmClient client, Stopwatch clock, CancellationToken cancellationToken)
    {
        var batchId = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        return new FirstLease(batchId, Watch());

        async Task<double> Watch()
        {
            // Items are submitted while the upload streams, so the first lease may come before the upload's answer;
            // the first job's id is known up front only through the batch, so poll the job list of the tenant meanwhile.
            while (!batchId.Task.IsCompleted)
            {
                var running = await client.ListAsync(new JobListQuery { Status = JobStatus.Running }, new PageRequest(1), cancellationToken).ConfigureAwait(false);
                var done = await client.ListAsync(new JobListQuery { Status = JobStatus.Succeeded }, new PageRequest(1), cancellationToken).ConfigureAwait(false);
                if (running.Items.Count + done.Items.Count > 0)
                {
                    return clock.Elapsed.TotalSeconds;
                }

                await Task.Delay(20, cancellationToken).ConfigureAwait(false);
            }

            while (true)
            {
                var batch = await client.GetBatchAsync(batchId.Task.Result, cancellationToken).ConfigureAwait(false);
                if (batch.CountOf(JobStatus.Queued) < batch.Total)
                {
                    return clock.Elapsed.TotalSeconds;
                }

                await Task.Delay(20, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static async Task<List<double>> ProbeSummariesAsync(TurboFarmClient client, string batchId, int probes, CancellationToken cancellationToken)
    {
        var times = new List<double>(probes);
        for (var i = 0; i < probes; i++)
        {
            var clock = Stopwatch.StartNew();
            await client.GetBatchAsync(batchId, cancellationToken).ConfigureAwait(false);
            times.Add(clock.Elapsed.TotalMilliseconds);
            await Task.Delay(10, cancellationToken).ConfigureAwait(false);
        }

        return times;
    }

    private static double Percentile(List<double> values, double quantile)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(quantile * sorted.Count) - 1)];
    }

    private static double ManagedMiB()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        return GC.GetTotalMemory(forceFullCollection: true) / (double)(1 << 20);
    }

    /// <summary>With admin commands allowed: the memory counter is read with INFO.</summary>
    private static async Task<ConnectionMultiplexer> ConnectAsync(string connection)
    {
        var options = ConfigurationOptions.Parse(connection);
        options.AllowAdmin = true;
        return await ConnectionMultiplexer.ConnectAsync(options).ConfigureAwait(false);
    }

    private static async Task<long> UsedMemoryAsync(ConnectionMultiplexer redis)
    {
        var info = await redis.GetServer(redis.GetEndPoints()[0]).InfoAsync("memory").ConfigureAwait(false);
        return long.Parse(info.SelectMany(g => g).First(p => p.Key == "used_memory").Value, CultureInfo.InvariantCulture);
    }

    private static async Task DeleteKeysAsync(ConnectionMultiplexer redis, string prefix)
    {
        var server = redis.GetServer(redis.GetEndPoints()[0]);
        await foreach (var key in server.KeysAsync(pattern: prefix + "*", pageSize: 1000))
        {
            await redis.GetDatabase().KeyDeleteAsync(key).ConfigureAwait(false);
        }
    }

    private sealed record FirstLease(TaskCompletionSource<string> BatchId, Task<double> Task);
}
