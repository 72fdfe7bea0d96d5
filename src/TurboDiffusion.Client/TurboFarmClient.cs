using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Polly;
using TurboDiffusion.Client.Models;

namespace TurboDiffusion.Client;

/// <summary>
/// The farm's gateway over HTTP. Every call takes a cancellation token; transient failures are retried (see
/// <see cref="TurboClientOptions"/>); submissions carry an idempotency key (generated when none is given) that every
/// retry reuses, so a retried submit never renders twice. Failures the gateway explains throw <see cref="TurboFarmException"/>.
/// </summary>
public sealed class TurboFarmClient : IDisposable
{
    private const string JsonLines = "application/x-ndjson";

    private readonly HttpClient http;
    private readonly bool ownsHttp;
    private readonly TurboClientOptions options;
    private readonly ResiliencePipeline<HttpResponseMessage> retry;

    /// <summary>A client with its own <see cref="HttpClient"/>.</summary>
    public TurboFarmClient(TurboClientOptions options)
        : this(new HttpClient { Timeout = Timeout.InfiniteTimeSpan }, options, ownsHttp: true)
    {
    }

    /// <summary>A client over <paramref name="http"/> (e.g. from IHttpClientFactory); keep its timeout infinite or long, since event streams stay open.</summary>
    public TurboFarmClient(HttpClient http, TurboClientOptions options)
        : this(http, options, ownsHttp: false)
    {
    }

    private TurboFarmClient(HttpClient http, TurboClientOptions options, bool ownsHttp)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        this.http = http;
        this.ownsHttp = ownsHttp;
        this.options = options;
        retry = TransientRetry.Create(options);
    }

    /// <summary>Submits one job. Answers the job (the original one when the key was used before for the same request).</summary>
    public async Task<JobView> SubmitAsync(JobRequest request, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var key = idempotencyKey ?? NewKey();
        return await SendAsync<JobView>(() =>
        {
            var message = Request(HttpMethod.Post, "v1/jobs");
            message.Headers.Add("Idempotency-Key", key);
            message.Content = JsonContent.Create(request, options: TurboJson.Options);
            return message;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Submits many jobs as one batch, streamed as JSON lines while <paramref name="items"/> is enumerated (nothing is
    /// buffered whole). A retry enumerates <paramref name="items"/> again under the same key: already accepted items are
    /// not submitted twice.
    /// </summary>
    public async Task<BatchView> SubmitBatchAsync(IAsyncEnumerable<JobRequest> items, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        var key = idempotencyKey ?? NewKey();
        return await SendAsync<BatchView>(() =>
        {
            var message = Request(HttpMethod.Post, "v1/batches");
            message.Headers.Add("Idempotency-Key", key);
            message.Content = new JsonLinesContent(items, JsonLines);
            return message;
        }, cancellationToken).ConfigureAwait(false);
    }

    public Task<JobView> GetAsync(string jobId, CancellationToken cancellationToken = default) =>
        SendAsync<JobView>(() => Request(HttpMethod.Get, $"v1/jobs/{Uri.EscapeDataString(jobId)}"), cancellationToken);

    /// <summary>Jobs newest first, filtered by <paramref name="query"/>; pass the page's NextCursor back in <paramref name="page"/> for the next page.</summary>
    public Task<Page<JobView>> ListAsync(JobListQuery? query = null, PageRequest? page = null, CancellationToken cancellationToken = default)
    {
        query ??= new JobListQuery();
        var parameters = new List<string>();
        AddPage(parameters, page);
        AddParameter(parameters, "tenant", query.Tenant);
        AddParameter(parameters, "status", query.Status is { } status ? WireNames.Of(status) : null);
        AddParameter(parameters, "batchId", query.BatchId);
        return SendAsync<Page<JobView>>(() => Request(HttpMethod.Get, WithQuery("v1/jobs", parameters)), cancellationToken);
    }

    /// <summary>Asks the farm to cancel: a queued job ends at once, a running one at its next step.</summary>
    public Task<JobView> CancelAsync(string jobId, CancellationToken cancellationToken = default) =>
        SendAsync<JobView>(() => Request(HttpMethod.Post, $"v1/jobs/{Uri.EscapeDataString(jobId)}/cancel"), cancellationToken);

    /// <summary>Your batches (an admin key may name a tenant), newest first; pass the page's NextCursor back in <paramref name="page"/> for the next page.</summary>
    public Task<Page<BatchView>> ListBatchesAsync(string? tenant = null, PageRequest? page = null, CancellationToken cancellationToken = default)
    {
        var parameters = new List<string>();
        AddPage(parameters, page);
        AddParameter(parameters, "tenant", tenant);
        return SendAsync<Page<BatchView>>(() => Request(HttpMethod.Get, WithQuery("v1/batches", parameters)), cancellationToken);
    }

    public Task<BatchView> GetBatchAsync(string batchId, CancellationToken cancellationToken = default) =>
        SendAsync<BatchView>(() => Request(HttpMethod.Get, $"v1/batches/{Uri.EscapeDataString(batchId)}"), cancellationToken);

    /// <summary>A batch's jobs in upload order; pass the page's NextCursor back in <paramref name="page"/> for the next page.</summary>
    public Task<Page<JobView>> ListBatchJobsAsync(string batchId, PageRequest? page = null, CancellationToken cancellationToken = default)
    {
        var parameters = new List<string>();
        AddPage(parameters, page);
        return SendAsync<Page<JobView>>(() => Request(HttpMethod.Get, WithQuery($"v1/batches/{Uri.EscapeDataString(batchId)}/jobs", parameters)), cancellationToken);
    }

    /// <summary>A batch's jobs in upload order, with the page given as its two parts.</summary>
    public Task<Page<JobView>> ListBatchJobsAsync(string batchId, string? cursor, int limit, CancellationToken cancellationToken = default) =>
        ListBatchJobsAsync(batchId, new PageRequest(limit, cursor), cancellationToken);

    /// <summary>
    /// Every job of a batch in upload order, read a page of <paramref name="pageSize"/> jobs at a time as the sequence
    /// is enumerated: at most one page is held, so a batch of 100,000 jobs streams in the memory of one page. The
    /// gateway bounds the page size (1000 by default).
    /// </summary>
    public async IAsyncEnumerable<JobView> StreamBatchJobsAsync(string batchId, int pageSize = 1000, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(batchId);
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        string? cursor = null;
        do
        {
            var page = await ListBatchJobsAsync(batchId, cursor, pageSize, cancellationToken).ConfigureAwait(false);
            foreach (var job in page.Items)
            {
                yield return job;
            }

            cursor = page.NextCursor;
        }
        while (cursor is not null);
    }

    public Task<BatchView> CancelBatchAsync(string batchId, CancellationToken cancellationToken = default) =>
        SendAsync<BatchView>(() => Request(HttpMethod.Post, $"v1/batches/{Uri.EscapeDataString(batchId)}/cancel"), cancellationToken);

    public Task<IReadOnlyList<WorkerView>> GetWorkersAsync(CancellationToken cancellationToken = default) =>
        SendAsync<IReadOnlyList<WorkerView>>(() => Request(HttpMethod.Get, "v1/workers"), cancellationToken);

    public Task<IReadOnlyList<PoolView>> GetPoolsAsync(CancellationToken cancellationToken = default) =>
        SendAsync<IReadOnlyList<PoolView>>(() => Request(HttpMethod.Get, "v1/pools"), cancellationToken);

    /// <summary>
    /// The job's events until it finishes: its state first, then every progress step and state change. A dropped
    /// connection is resumed where it stopped (Last-Event-ID), so no step is missed or repeated.
    /// </summary>
    public async IAsyncEnumerable<JobEvent> WatchAsync(string jobId, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string? lastEventId = null;
        var failures = 0;
        while (true)
        {
            var finished = false;
            var reader = await OpenEventsAsync(jobId, lastEventId, cancellationToken).ConfigureAwait(false);
            using (reader)
            {
                while (true)
                {
                    JobEvent? next;
                    try
                    {
                        next = await reader.ReadAsync(jobId, cancellationToken).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is IOException or HttpRequestException && !cancellationToken.IsCancellationRequested)
                    {
                        if (++failures > options.MaxRetries)
                        {
                            throw new TurboFarmException($"The event stream of job {jobId} broke {failures} times in a row; last: {e.Message}", e);
                        }

                        break;
                    }

                    if (next is null)
                    {
                        break;
                    }

                    failures = 0;
                    if (next is JobProgressEvent progress)
                    {
                        lastEventId = progress.EventId;
                    }

                    yield return next;
                    if (next is JobStateEvent { Job.IsFinished: true })
                    {
                        finished = true;
                        break;
                    }
                }
            }

            if (finished)
            {
                yield break;
            }

            await Task.Delay(options.RetryDelay, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Copies a finished job's file (the MP4 unless <paramref name="file"/> says otherwise) into <paramref name="destination"/>.</summary>
    public async Task DownloadAsync(string jobId, Stream destination, ArtifactFile file = ArtifactFile.Video, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var name = file == ArtifactFile.Sidecar ? "sidecar" : "video";
        using var response = await SendRawAsync(() => Request(HttpMethod.Get, $"v1/jobs/{Uri.EscapeDataString(jobId)}/{name}"), HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        await response.Content.CopyToAsync(destination, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes a finished job's file to <paramref name="path"/>, whole or not at all (written aside, then renamed).</summary>
    public async Task DownloadAsync(string jobId, string path, ArtifactFile file = ArtifactFile.Video, CancellationToken cancellationToken = default)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var partial = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.partial");
        try
        {
            await using (var output = File.Create(partial))
            {
                await DownloadAsync(jobId, output, file, cancellationToken).ConfigureAwait(false);
            }

            File.Move(partial, full, overwrite: true);
        }
        finally
        {
            File.Delete(partial);
        }
    }

    public void Dispose()
    {
        if (ownsHttp)
        {
            http.Dispose();
        }
    }

    private static string NewKey() => Guid.NewGuid().ToString("N");

    private static string WithQuery(string path, List<string> parameters) => parameters.Count == 0 ? path : $"{path}?{string.Join('&', parameters)}";

    private static void AddPage(List<string> parameters, PageRequest? page)
    {
        if (page?.Limit is { } limit)
        {
            parameters.Add($"limit={limit.ToString(CultureInfo.InvariantCulture)}");
        }

        AddParameter(parameters, "cursor", page?.Cursor);
    }

    private static void AddParameter(List<string> parameters, string name, string? value)
    {
        if (value is not null)
        {
            parameters.Add($"{name}={Uri.EscapeDataString(value)}");
        }
    }

    private async Task<EventReader> OpenEventsAsync(string jobId, string? lastEventId, CancellationToken cancellationToken)
    {
        var response = await SendRawAsync(() =>
        {
            var message = Request(HttpMethod.Get, $"v1/jobs/{Uri.EscapeDataString(jobId)}/events");
            message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
            if (lastEventId is not null)
            {
                message.Headers.Add("Last-Event-ID", lastEventId);
            }

            return message;
        }, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        return new EventReader(response, await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false));
    }

    private HttpRequestMessage Request(HttpMethod method, string relative)
    {
        var message = new HttpRequestMessage(method, new Uri(options.BaseAddress!, relative));
        if (options.ApiKey is { } key)
        {
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return message;
    }

    private async Task<T> SendAsync<T>(Func<HttpRequestMessage> request, CancellationToken cancellationToken)
    {
        using var response = await SendRawAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        return await response.Content.ReadFromJsonAsync<T>(TurboJson.Options, cancellationToken).ConfigureAwait(false)
            ?? throw new TurboFarmException("The gateway answered with an empty body where a JSON document was expected.");
    }

    /// <summary>Sends with retries; a final unsuccessful answer throws with its problem details.</summary>
    private async Task<HttpResponseMessage> SendRawAsync(Func<HttpRequestMessage> request, HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        var response = await retry.ExecuteAsync(async token =>
        {
            using var message = request();
            return await http.SendAsync(message, completion, token).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            throw await ProblemReader.ReadAsync(response, cancellationToken).ConfigureAwait(false);
        }
    }
}
