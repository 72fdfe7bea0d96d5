using System.Net;
using System.Runtime.CompilerServices;
using TurboDiffusion.Client.Models;
using TurboDiffusion.Client.Tests.Support;

namespace TurboDiffusion.Client.Tests;

[Collection(SdkGatewayGroup.Name)]
public sealed class TurboFarmClientTests(SdkGateway gateway) : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("sdk-").FullName;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Submit_watch_and_download_a_job_end_to_end()
    {
        using var client = gateway.Client("sdk-a");
        var path = Path.Combine(directory, "out", "fox.mp4");

        var job = await client.SubmitAsync(new JobRequest { Prompt = "a fox in the snow", Frames = 9, Seed = 3 }, cancellationToken: Token);
        var events = await ToListAsync(client.WatchAsync(job.Id, Token));
        await client.DownloadAsync(job.Id, path, cancellationToken: Token);

        Assert.IsType<JobStateEvent>(events[0]);
        var last = Assert.IsType<JobStateEvent>(events[^1]);
        Assert.Equal(JobStatus.Succeeded, last.Job.Status);
        Assert.Equal([1, 2, 3, 4], events.OfType<JobProgressEvent>().Where(e => e.Stage == "denoising").Select(e => e.Done));
        Assert.StartsWith("simulated video: a fox in the snow (seed 3, 9 frames", await File.ReadAllTextAsync(path, Token), StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, "*.partial"));
    }

    [Fact]
    public async Task A_lost_answer_is_retried_with_the_same_idempotency_key_and_renders_once()
    {
        var handler = new FaultyHandler { LoseAnswers = 1 };
        using var client = gateway.Client("sdk-b", handler);

        var job = await client.SubmitAsync(new JobRequest { Prompt = "a single take" }, cancellationToken: Token);
        var listed = await client.ListAsync(cancellationToken: Token);

        var submits = handler.Seen.Where(r => r.Method == HttpMethod.Post).ToList();
        Assert.Equal(2, submits.Count);
        Assert.Equal(submits[0].Headers.GetValues("Idempotency-Key"), submits[1].Headers.GetValues("Idempotency-Key"));
        Assert.Equal(job.Id, Assert.Single(listed.Items).Id);
    }

    [Fact]
    public async Task A_cut_event_stream_resumes_after_the_last_event_without_gaps_or_repeats()
    {
        var handler = new FaultyHandler { CutEventStreamAfter = 3 };
        using var client = gateway.Client("sdk-c", handler);
        var job = await client.SubmitAsync(new JobRequest { Prompt = "a paper boat" }, cancellationToken: Token);

        var events = await ToListAsync(client.WatchAsync(job.Id, Token));

        var watches = handler.Seen.Where(r => r.RequestUri!.AbsolutePath.EndsWith("/events", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, watches.Count);
        Assert.True(watches[1].Headers.Contains("Last-Event-ID"));
        var ids = events.OfType<JobProgressEvent>().Select(e => long.Parse(e.EventId, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(Enumerable.Range(1, ids.Count).Select(i => (long)i), ids);
        Assert.Equal([1, 2, 3, 4], events.OfType<JobProgressEvent>().Where(e => e.Stage == "denoising").Select(e => e.Done));
        Assert.Equal(JobStatus.Succeeded, Assert.IsType<JobStateEvent>(events[^1]).Job.Status);
    }

    [Fact]
    public async Task A_batch_streams_from_an_async_sequence_and_pages_back()
    {
        using var client = gateway.Client("sdk-d");

        var batch = await client.SubmitBatchAsync(Prompts(120, Token), cancellationToken: Token);
        var first = await client.ListAsync(new JobListQuery { BatchId = batch.Id }, new PageRequest(100), Token);
        var second = await client.ListAsync(new JobListQuery { BatchId = batch.Id }, new PageRequest(100, first.NextCursor), Token);
        var ordered = await client.ListBatchJobsAsync(batch.Id, new PageRequest(1000), Token);

        Assert.Equal(120, batch.Total);
        Assert.Equal(100, first.Items.Count);
        Assert.Equal(20, second.Items.Count);
        Assert.Null(second.NextCursor);
        Assert.Equal(120, first.Items.Concat(second.Items).Select(j => j.Id).Distinct().Count());
        Assert.Equal(Enumerable.Range(0, 120).Select(i => $"storyboard panel {i}"), ordered.Items.Select(j => j.Prompt));
    }

    [Fact]
    public async Task Every_listing_takes_one_page_request_and_sends_only_what_it_names()
    {
        var handler = new FaultyHandler();
        using var client = gateway.Client("sdk-f", handler);
        var batch = await client.SubmitBatchAsync(Prompts(3, Token), cancellationToken: Token);

        var jobs = await client.ListAsync(page: new PageRequest(2), cancellationToken: Token);
        var rest = await client.ListAsync(page: new PageRequest(2, jobs.NextCursor), cancellationToken: Token);
        var batches = await client.ListBatchesAsync(page: new PageRequest(Limit: 1), cancellationToken: Token);
        var fromSecond = await client.ListBatchJobsAsync(batch.Id, new PageRequest(Cursor: "1"), Token);
        var third = await client.ListBatchJobsAsync(batch.Id, "2", 1, Token);
        var all = await client.ListBatchJobsAsync(batch.Id, cancellationToken: Token);

        Assert.Equal(2, jobs.Items.Count);
        Assert.Single(rest.Items);
        Assert.Null(rest.NextCursor);
        Assert.Equal(batch.Id, Assert.Single(batches.Items).Id);
        Assert.Equal(["storyboard panel 1", "storyboard panel 2"], fromSecond.Items.Select(j => j.Prompt));
        Assert.Equal("storyboard panel 2", Assert.Single(third.Items).Prompt);
        Assert.Equal(3, all.Items.Count);
        var queries = handler.Seen.Where(r => r.Method == HttpMethod.Get).Select(r => r.RequestUri!.Query).ToList();
        Assert.Equal(["?limit=2", $"?limit=2&cursor={jobs.NextCursor}", "?limit=1", "?cursor=1", "?limit=1&cursor=2", ""], queries);
    }

    [Fact]
    public async Task Streaming_a_batch_follows_the_cursor_one_page_at_a_time()
    {
        var handler = new FaultyHandler();
        using var client = gateway.Client("sdk-g", handler);
        var batch = await client.SubmitBatchAsync(Prompts(25, Token), cancellationToken: Token);
        var pagesBefore = handler.Seen.Count;

        var firstFew = new List<JobView>();
        await foreach (var job in client.StreamBatchJobsAsync(batch.Id, pageSize: 10, Token))
        {
            firstFew.Add(job);
            if (firstFew.Count == 3)
            {
                break;
            }
        }

        var pagesForFirstFew = handler.Seen.Count - pagesBefore;
        var all = new List<JobView>();
        await foreach (var job in client.StreamBatchJobsAsync(batch.Id, pageSize: 10, Token))
        {
            all.Add(job);
        }

        Assert.Equal(1, pagesForFirstFew);
        Assert.Equal(Enumerable.Range(0, 25).Select(i => $"storyboard panel {i}"), all.Select(j => j.Prompt));
        Assert.Equal(25, all.Select(j => j.Id).Distinct().Count());
        var queries = handler.Seen.Skip(pagesBefore + 1).Select(r => r.RequestUri!.Query).ToList();
        Assert.Equal(["?limit=10", "?limit=10&cursor=10", "?limit=10&cursor=20"], queries);
    }

    [Fact]
    public async Task Bad_input_throws_with_the_fields_named_and_cancel_is_answered()
    {
        using var client = gateway.Client("sdk-e");

        var error = await Assert.ThrowsAsync<TurboFarmException>(() => client.SubmitAsync(new JobRequest { Prompt = "x", Frames = 12 }, cancellationToken: Token));
        var job = await client.SubmitAsync(new JobRequest { Prompt = "cancel me" }, cancellationToken: Token);
        var canceled = await client.CancelAsync(job.Id, Token);
        var missing = await Assert.ThrowsAsync<TurboFarmException>(() => client.GetAsync("job_0000", Token));

        Assert.Equal(HttpStatusCode.BadRequest, error.Status);
        Assert.Contains("4k+1", error.Errors["frames"][0], StringComparison.Ordinal);
        Assert.True(canceled.CancelRequested || canceled.IsFinished);
        Assert.Equal(HttpStatusCode.NotFound, missing.Status);
    }

    [Fact]
    public void Options_are_checked_when_the_client_is_built()
    {
        var error = Assert.Throws<ArgumentException>(() => new TurboFarmClient(new TurboClientOptions { BaseAddress = new Uri("ftp://farm/") }));

        Assert.Contains("absolute http(s) URL", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);

    private static async IAsyncEnumerable<JobRequest> Prompts(int count, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        for (var i = 0; i < count; i++)
        {
            await Task.Yield();
            cancellationToken.ThrowIfCancellationRequested();
            yield return new JobRequest { Prompt = $"storyboard panel {i}", Frames = 5, Steps = 1 };
        }
    }

    private static async Task<List<JobEvent>> ToListAsync(IAsyncEnumerable<JobEvent> events)
    {
        var list = new List<JobEvent>();
        await foreach (var e in events)
        {
            list.Add(e);
        }

        return list;
    }
}
