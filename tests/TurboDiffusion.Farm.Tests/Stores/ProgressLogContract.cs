using Microsoft.Extensions.Time.Testing;
using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Farm.Progress;
using TurboDiffusion.Farm.Stores.Redis;
using TurboDiffusion.Farm.Tests.Support;

namespace TurboDiffusion.Farm.Tests.Stores;

/// <summary>What every progress log must do: keep a job's events in order and resume after a given event id.</summary>
public abstract class ProgressLogContract
{
    protected static readonly DateTimeOffset T0 = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    protected abstract Task<IProgressLog> CreateLogAsync();

    [Fact]
    public async Task Events_read_back_in_order_and_resume_after_an_id()
    {
        var log = await CreateLogAsync();
        var jobId = Specs.Unique("job");
        for (var step = 1; step <= 4; step++)
        {
            await log.AppendAsync(jobId, new JobProgress(JobStage.Denoising, step, 4, TimeSpan.FromMilliseconds(250 * step)), TestContext.Current.CancellationToken);
        }

        var all = await log.ReadAsync(jobId, null, 100, TestContext.Current.CancellationToken);
        var rest = await log.ReadAsync(jobId, all[1].Id, 100, TestContext.Current.CancellationToken);

        Assert.Equal([1, 2, 3, 4], all.Select(e => e.Done));
        Assert.Equal(TimeSpan.FromMilliseconds(750), all[2].Elapsed);
        Assert.Equal(JobStage.Denoising, all[0].Stage);
        Assert.Equal([3, 4], rest.Select(e => e.Done));
    }

    [Fact]
    public async Task The_ids_it_gives_are_event_ids_and_garbage_or_overflowing_numbers_are_not()
    {
        var log = await CreateLogAsync();
        var jobId = Specs.Unique("job");
        await log.AppendAsync(jobId, new JobProgress(JobStage.Denoising, 1, 4, TimeSpan.Zero), TestContext.Current.CancellationToken);

        var given = (await log.ReadAsync(jobId, null, 10, TestContext.Current.CancellationToken))[0].Id;

        Assert.True(log.IsEventId(given), given);
        Assert.All(["", "yesterday", "-1", "1.5", " 1", "99999999999999999999", "99999999999999999999-0", "1-99999999999999999999", "1-", "-0"],
            id => Assert.False(log.IsEventId(id), $"'{id}' passed"));
    }

    [Fact]
    public async Task A_job_without_events_reads_empty()
    {
        var log = await CreateLogAsync();

        Assert.Empty(await log.ReadAsync(Specs.Unique("job"), null, 10, TestContext.Current.CancellationToken));
    }
}

public sealed class InMemoryProgressLogTests : ProgressLogContract
{
    protected override Task<IProgressLog> CreateLogAsync() => Task.FromResult<IProgressLog>(new InMemoryProgressLog(new FakeTimeProvider(T0)));

    [Fact]
    public async Task A_redis_stream_id_or_a_number_past_long_is_no_event_id_here()
    {
        var log = await CreateLogAsync();

        Assert.False(log.IsEventId("1-0"));
        Assert.False(log.IsEventId("9223372036854775808"));
        Assert.True(log.IsEventId("9223372036854775807"));
    }
}

public sealed class RedisProgressLogTests : ProgressLogContract
{
    private readonly string prefix = $"test:{Guid.NewGuid():N}:";

    protected override async Task<IProgressLog> CreateLogAsync() =>
        new RedisProgressLog(await RealServices.RedisAsync(), Microsoft.Extensions.Options.Options.Create(new RedisOptions { KeyPrefix = prefix, ProgressTtl = TimeSpan.FromMinutes(5) }), new FakeTimeProvider(T0));

    [Theory]
    [InlineData("0-0")]
    [InlineData("1-0")]
    [InlineData("18446744073709551615-18446744073709551614")]
    public async Task Every_id_that_passes_the_check_reads_without_a_redis_error(string id)
    {
        var log = await CreateLogAsync();
        var jobId = Specs.Unique("job");
        await log.AppendAsync(jobId, new JobProgress(JobStage.Denoising, 1, 4, TimeSpan.Zero), TestContext.Current.CancellationToken);

        Assert.True(log.IsEventId(id));
        await log.ReadAsync(jobId, id, 10, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task The_last_possible_stream_id_is_refused_because_nothing_follows_it()
    {
        var log = await CreateLogAsync();

        Assert.False(log.IsEventId("18446744073709551615-18446744073709551615"));
    }

    [Fact]
    public async Task A_job_stream_expires_after_its_last_event()
    {
        var redis = await RealServices.RedisAsync();
        var log = await CreateLogAsync();
        var jobId = Specs.Unique("job");

        await log.AppendAsync(jobId, new JobProgress(JobStage.Writing, 1, 1, TimeSpan.Zero), TestContext.Current.CancellationToken);

        Assert.InRange((await redis.GetDatabase().KeyTimeToLiveAsync($"{prefix}progress:{jobId}"))!.Value, TimeSpan.FromMinutes(4), TimeSpan.FromMinutes(5));
        await redis.GetDatabase().KeyDeleteAsync($"{prefix}progress:{jobId}");
    }
}
