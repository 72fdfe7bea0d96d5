using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace TurboDiffusion.Farm.Stores.Redis;

/// <summary>Runs <see cref="RedisIndexSweep"/> every Turbo:Redis:IndexSweepInterval. Several processes may sweep: a sweep only removes entries whose record is gone.</summary>
public sealed partial class RedisIndexSweeper(RedisIndexSweep sweep, IOptions<RedisOptions> options, TimeProvider time, ILogger<RedisIndexSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.IndexSweepInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var removed = await sweep.SweepAsync(stoppingToken);
                LogSwept(removed);
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                LogSweepFailed(options.Value.IndexSweepInterval, e);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Redis index sweep removed {Removed} entries whose record had expired")]
    private partial void LogSwept(long removed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis index sweep failed; the next one runs in {Interval}")]
    private partial void LogSweepFailed(TimeSpan interval, Exception exception);
}
