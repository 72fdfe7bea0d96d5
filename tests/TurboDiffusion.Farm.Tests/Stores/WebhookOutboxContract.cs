using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Farm.Tests.Support;
using TurboDiffusion.Farm.Webhooks;

namespace TurboDiffusion.Farm.Tests.Stores;

/// <summary>What every webhook outbox must do: add once per id, hand a due delivery to one claimer at a time, reschedule and finish.</summary>
public abstract class WebhookOutboxContract
{
    protected static readonly DateTimeOffset T0 = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    protected abstract Task<IWebhookOutbox> CreateOutboxAsync();

    [Fact]
    public async Task A_delivery_is_added_once_and_claimed_by_one_claimer_until_its_claim_lapses()
    {
        var outbox = await CreateOutboxAsync();
        var delivery = Delivery(Specs.Unique("job"), 1);

        await outbox.AddAsync(delivery, Token);
        await outbox.AddAsync(delivery with { Attempts = 5 }, Token);
        var first = await outbox.ClaimDueAsync(T0, 10, TimeSpan.FromSeconds(30), Token);
        var meanwhile = await outbox.ClaimDueAsync(T0.AddSeconds(10), 10, TimeSpan.FromSeconds(30), Token);
        var lapsed = await outbox.ClaimDueAsync(T0.AddSeconds(31), 10, TimeSpan.FromSeconds(30), Token);

        Assert.Equal(0, Assert.Single(first, d => d.Id == delivery.Id).Attempts);
        Assert.DoesNotContain(meanwhile, d => d.Id == delivery.Id);
        Assert.Single(lapsed, d => d.Id == delivery.Id);
    }

    [Fact]
    public async Task A_recorded_retry_waits_for_its_time_and_a_finished_delivery_leaves_the_queue()
    {
        var outbox = await CreateOutboxAsync();
        var jobId = Specs.Unique("job");
        var delivery = Delivery(jobId, 1);
        await outbox.AddAsync(delivery, Token);
        await outbox.AddAsync(Delivery(jobId, 2), Token);
        await outbox.ClaimDueAsync(T0, 10, TimeSpan.FromSeconds(30), Token);

        await outbox.RecordAsync(delivery with { Attempts = 1, LastStatusCode = 500, NextAttemptAt = T0.AddSeconds(5) }, Token);
        var early = await outbox.ClaimDueAsync(T0.AddSeconds(4), 10, TimeSpan.FromSeconds(30), Token);
        var due = await outbox.ClaimDueAsync(T0.AddSeconds(5), 10, TimeSpan.FromSeconds(30), Token);
        await outbox.RecordAsync(due.Single(d => d.Id == delivery.Id) with { Status = WebhookDeliveryStatus.Delivered, Attempts = 2, FinishedAt = T0.AddSeconds(5) }, Token);
        var after = await outbox.ClaimDueAsync(T0.AddHours(1), 10, TimeSpan.FromSeconds(30), Token);
        var listed = await outbox.ListForJobAsync(jobId, Token);

        Assert.DoesNotContain(early, d => d.Id == delivery.Id);
        Assert.Equal(500, due.Single(d => d.Id == delivery.Id).LastStatusCode);
        Assert.DoesNotContain(after, d => d.Id == delivery.Id);
        Assert.Equal([delivery.Id, $"{jobId}.v2"], listed.Select(d => d.Id));
        Assert.Equal(WebhookDeliveryStatus.Delivered, listed[0].Status);
        Assert.Equal(JobStatus.Queued, listed[0].Job.Status);
        Assert.Equal(new Uri("https://studio.example/hooks"), listed[0].Url);
    }

    private static WebhookDelivery Delivery(string jobId, int version)
    {
        var job = JobState.Submitted(jobId, Specs.Job() with { Webhook = new Uri("https://studio.example/hooks") }, "default", null, T0) with { Version = version };
        return WebhookDelivery.For(job, T0)!;
    }
}

public sealed class InMemoryWebhookOutboxTests : WebhookOutboxContract
{
    protected override Task<IWebhookOutbox> CreateOutboxAsync() => Task.FromResult<IWebhookOutbox>(new InMemoryWebhookOutbox());
}

/// <summary>The outbox contract on a real Redis, under its own key prefix.</summary>
public sealed class RedisWebhookOutboxTests : WebhookOutboxContract
{
    private readonly string prefix = $"test:{Guid.NewGuid():N}:";

    protected override async Task<IWebhookOutbox> CreateOutboxAsync() =>
        new RedisWebhookOutbox(await RealServices.RedisAsync(), Microsoft.Extensions.Options.Options.Create(new TurboDiffusion.Farm.Stores.Redis.RedisOptions { ConnectionString = RealServices.RedisEndpoint, KeyPrefix = prefix }));
}
