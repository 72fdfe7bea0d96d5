using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Configuration;
using Orleans.Runtime;
using StackExchange.Redis;
using TurboDiffusion.Cli.Configuration;
using TurboDiffusion.Farm.Hosting;
using TurboDiffusion.Farm.Options;
using TurboDiffusion.Farm.Stores;
using TurboDiffusion.Farm.Stores.Blob;

namespace TurboDiffusion.Cli.Commands;

/// <summary>
/// The doctor's checks of what a distributed farm shares: Redis (ping, version, persistence), the blob service
/// (the check a worker runs before it leases), and the silos of the cluster that Redis membership lists.
/// </summary>
internal static class FarmServicesCheck
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ClusterTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan BlobTimeout = TimeSpan.FromSeconds(10);

    public static async Task ExamineAsync(DoctorReport report, IConfigurationRoot configuration, CancellationToken cancellationToken)
    {
        if (TurboConfiguration.Lookup(configuration, FarmSettings.Redis) is var (redis, _) && await ExamineRedisAsync(report, redis).ConfigureAwait(false))
        {
            await ExamineClusterAsync(report, configuration, redis, cancellationToken).ConfigureAwait(false);
        }

        if (TurboConfiguration.Lookup(configuration, FarmSettings.Blob) is not null)
        {
            await ExamineBlobAsync(report, configuration, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>False when Redis cannot be reached, so the cluster it holds cannot be listed either.</summary>
    private static async Task<bool> ExamineRedisAsync(DoctorReport report, string connectionString)
    {
        var safe = TurboConfiguration.Redact(connectionString);
        const string fix = "start Redis there, or correct Turbo:Redis:ConnectionString (host:port[,password=...]): silos and gateways keep membership and job state in it.";
        ConfigurationOptions options;
        try
        {
            options = ConfigurationOptions.Parse(connectionString);
        }
        catch (ArgumentException e)
        {
            report.Problem("redis", $"{safe} is not a Redis connection string: {e.Message}", fix);
            return false;
        }

        options.AbortOnConnectFail = true;
        options.ConnectTimeout = (int)ConnectTimeout.TotalMilliseconds;
        options.ConnectRetry = 1;
        // INFO and CONFIG GET are admin commands to the client library; the doctor only reads with them.
        options.AllowAdmin = true;
        try
        {
            await using var connection = await ConnectionMultiplexer.ConnectAsync(options).ConfigureAwait(false);
            var database = connection.GetDatabase();
            var ping = await database.PingAsync().ConfigureAwait(false);
            var info = (await database.ExecuteAsync("INFO", "server", "persistence").ConfigureAwait(false)).ToString() ?? "";
            var version = InfoValue(info, "redis_version") ?? "unknown version";
            var persistence = await PersistenceAsync(database, info).ConfigureAwait(false);
            var summary = $"Redis {version} at {safe}, ping {ping.TotalMilliseconds.ToString("0.0", CultureInfo.InvariantCulture)} ms, {persistence.Text}";
            if (persistence.Durable)
            {
                report.Ok("redis", summary);
            }
            else
            {
                report.Info("redis", $"{summary}: a restart of Redis loses every job's state; turn on AOF (appendonly yes) for a farm that must not lose jobs");
            }

            return true;
        }
        catch (Exception e) when (e is RedisConnectionException or RedisTimeoutException or RedisServerException)
        {
            report.Problem("redis", $"cannot reach {safe}: {e.Message.Split('\n')[0]}", fix);
            return false;
        }
    }

    private static async Task ExamineClusterAsync(DoctorReport report, IConfiguration configuration, string redis, CancellationToken cancellationToken)
    {
        TurboClusterOptions cluster;
        try
        {
            cluster = TurboClusterOptions.Read(configuration);
        }
        catch (OptionsValidationException e)
        {
            report.Problem("cluster", string.Join(" ", e.Failures), "correct the Turbo:Cluster settings.");
            return;
        }

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (cluster.ClusterId, cluster.ServiceId));
            client.UseRedisClustering(o => o.ConfigurationOptions = ConfigurationOptions.Parse(redis));
        });
        using var host = builder.Build();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(ClusterTimeout);
        try
        {
            await host.StartAsync(deadline.Token).ConfigureAwait(false);
            var silos = await host.Services.GetRequiredService<IClusterClient>().GetGrain<IManagementGrain>(0).GetDetailedHosts(true, deadline.Token).ConfigureAwait(false);
            report.Ok("cluster", $"{cluster.ClusterId}: {silos.Length} active silo(s): {string.Join(", ", silos.Select(s => $"{s.SiloName} ({s.SiloAddress.Endpoint})").Order(StringComparer.Ordinal))}");
        }
        catch (Exception e) when (e is OperationCanceledException or SiloUnavailableException or OrleansException or TimeoutException && !cancellationToken.IsCancellationRequested)
        {
            report.Info("cluster", $"{cluster.ClusterId}: no silo answered within {ClusterTimeout.TotalSeconds:0} s (none running yet, or another Turbo:Cluster:ClusterId / ServiceId)");
        }
        finally
        {
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await host.StopAsync(stop.Token).ConfigureAwait(false);
        }
    }

    private static async Task ExamineBlobAsync(DoctorReport report, IConfiguration configuration, CancellationToken cancellationToken)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddBlobArtifacts();
        await using var provider = services.BuildServiceProvider();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(BlobTimeout);
        const string fix = "start the blob service or correct Turbo:Blob:ConnectionString: workers upload every video there.";
        try
        {
            await provider.GetRequiredService<IArtifactStore>().CheckAsync(deadline.Token).ConfigureAwait(false);
            report.Ok("blob storage", "reachable; the artifact container can be read and written");
        }
        catch (OptionsValidationException e)
        {
            report.Problem("blob storage", string.Join(" ", e.Failures), "correct the Turbo:Blob settings.");
        }
        catch (FormatException e)
        {
            report.Problem("blob storage", $"Turbo:Blob:ConnectionString is not a storage connection string: {e.Message}", fix);
        }
        catch (ArtifactStoreException e)
        {
            report.Problem("blob storage", e.Message, fix);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            report.Problem("blob storage", $"no answer within {BlobTimeout.TotalSeconds:0} s", fix);
        }
    }

    /// <summary>AOF makes job state survive a restart; RDB snapshots lose what changed since the last one.</summary>
    private static async Task<(bool Durable, string Text)> PersistenceAsync(IDatabase database, string info)
    {
        if (InfoValue(info, "aof_enabled") == "1")
        {
            return (true, "persistence: AOF on");
        }

        try
        {
            var save = await database.ExecuteAsync("CONFIG", "GET", "save").ConfigureAwait(false);
            var schedule = save.Length == 2 ? save[1].ToString() : "";
            return (false, string.IsNullOrWhiteSpace(schedule) ? "persistence: none (AOF off, no snapshots)" : $"persistence: RDB snapshots only (save {schedule}), AOF off");
        }
        catch (RedisServerException)
        {
            return (false, "persistence: AOF off (snapshot settings not readable)");
        }
    }

    private static string? InfoValue(string info, string key) =>
        info.Split('\n').Select(l => l.TrimEnd('\r')).FirstOrDefault(l => l.StartsWith(key + ":", StringComparison.Ordinal))?[(key.Length + 1)..];
}
