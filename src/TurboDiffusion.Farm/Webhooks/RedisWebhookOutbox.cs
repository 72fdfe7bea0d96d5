using System.Text.Json;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using TurboDiffusion.Farm.Serialization;
using TurboDiffusion.Farm.Stores;
using TurboDiffusion.Farm.Stores.Redis;

namespace TurboDiffusion.Farm.Webhooks;

/// <summary>
/// Deliveries in Redis: {p}webhook:{id} (string: delivery JSON, expires FinishedJobTtl after its last write),
/// {p}webhooks:due (sorted set of pending ids by next attempt, ms) and {p}job:{jobId}:webhooks (sorted set of the job's
/// delivery ids by creation, ms). A claim moves the due time forward in one script, so two dispatchers never claim the
/// same delivery at once.
/// </summary>
public sealed class RedisWebhookOutbox : IWebhookOutbox
{
    private const string AddScript = """
        if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[4]) then
          redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
          redis.call('ZADD', KEYS[3], ARGV[2], ARGV[3])
          redis.call('EXPIRE', KEYS[3], ARGV[4])
        end
        return 1
        """;

    private const string ClaimScript = """
        local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
        for _, id in ipairs(ids) do redis.call('ZADD', KEYS[1], ARGV[3], id) end
        return ids
        """;

    private readonly IConnectionMultiplexer redis;
    private readonly RedisOptions options;
    private readonly string prefix;

    public RedisWebhookOutbox(IConnectionMultiplexer redis, IOptions<RedisOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.redis = redis;
        this.options = options.Value;
        prefix = this.options.KeyPrefix;
    }

    private IDatabase Db => redis.GetDatabase();

    private RedisKey Due => $"{prefix}webhooks:due";

    public async Task AddAsync(WebhookDelivery delivery, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        var key = Delivery(delivery.Id);
        await Guard(key, () => Db.ScriptEvaluateAsync(AddScript, [key, Due, JobDeliveries(delivery.JobId)],
            [Serialize(delivery), (delivery.NextAttemptAt ?? delivery.CreatedAt).ToUnixTimeMilliseconds(), delivery.Id, (long)options.FinishedJobTtl.TotalSeconds]));
    }

    public async Task<IReadOnlyList<WebhookDelivery>> ClaimDueAsync(DateTimeOffset now, int max, TimeSpan claimFor, CancellationToken cancellationToken = default)
    {
        var claimed = (RedisResult[])(await Guard(Due, () => Db.ScriptEvaluateAsync(ClaimScript, [Due],
            [now.ToUnixTimeMilliseconds(), max, (now + claimFor).ToUnixTimeMilliseconds()])))!;
        var deliveries = new List<WebhookDelivery>(claimed.Length);
        foreach (var id in claimed.Select(r => r.ToString()))
        {
            var key = Delivery(id);
            var json = await Guard(key, () => Db.StringGetAsync(key));
            if (json.IsNull)
            {
                // Its record expired: nothing left to send.
                await Guard(Due, () => Db.SortedSetRemoveAsync(Due, id));
                continue;
            }

            deliveries.Add(Deserialize(key, json!));
        }

        return deliveries;
    }

    public async Task RecordAsync(WebhookDelivery delivery, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        var key = Delivery(delivery.Id);
        var db = Db;
        await Guard(key, async () =>
        {
            await db.StringSetAsync(key, Serialize(delivery), options.FinishedJobTtl);
            return delivery.Status == WebhookDeliveryStatus.Pending
                ? await db.SortedSetAddAsync(Due, delivery.Id, (delivery.NextAttemptAt ?? delivery.CreatedAt).ToUnixTimeMilliseconds())
                : await db.SortedSetRemoveAsync(Due, delivery.Id);
        });
    }

    public async Task<IReadOnlyList<WebhookDelivery>> ListForJobAsync(string jobId, CancellationToken cancellationToken = default)
    {
        var index = JobDeliveries(jobId);
        var ids = await Guard(index, () => Db.SortedSetRangeByRankAsync(index));
        var values = await Guard(index, () => Db.StringGetAsync([.. ids.Select(id => Delivery(id.ToString()))]));
        return [.. values.Select((v, i) => v.IsNull ? null : Deserialize(Delivery(ids[i].ToString()), v!)).OfType<WebhookDelivery>()];
    }

    private RedisKey Delivery(string id) => $"{prefix}webhook:{id}";

    private RedisKey JobDeliveries(string jobId) => $"{prefix}job:{jobId}:webhooks";

    private static string Serialize(WebhookDelivery delivery) => JsonSerializer.Serialize(delivery, FarmJsonContext.Default.WebhookDelivery);

    private static WebhookDelivery Deserialize(RedisKey key, string json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, FarmJsonContext.Default.WebhookDelivery)
                ?? throw new JobStoreException(key.ToString(), "The webhook delivery record is null");
        }
        catch (JsonException e)
        {
            throw new JobStoreException(key.ToString(), $"The webhook delivery record is not readable JSON: {e.Message}", e);
        }
    }

    private static async Task<T> Guard<T>(RedisKey key, Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (RedisException e)
        {
            throw new JobStoreException(key.ToString(), $"Redis failed on webhook deliveries: {e.Message}", e);
        }
    }
}
