using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using TurboDiffusion.Client.Models;
using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Farm.Stores;
using TurboDiffusion.Farm.Stores.InMemory;
using TurboDiffusion.Gateway.Tests.Support;

namespace TurboDiffusion.Gateway.Tests.Errors;

/// <summary>A silo dying under a call, or Redis down: retried briefly, then 503 with Retry-After, never 500.</summary>
public sealed class TransientFarmErrorsTests : IAsyncLifetime
{
    private readonly DyingSiloFilter dyingSilo = new();
    private readonly SwitchableStore store = new();
    private GatewayHost? host;

    private GatewayHost Host => host!;

    public async ValueTask InitializeAsync() =>
        host = await GatewayHost.StartAsync(["transient"], services: s =>
        {
            s.AddSingleton<IOutgoingGrainCallFilter>(dyingSilo);
            s.Replace(ServiceDescriptor.Singleton<IJobStore>(store));
        });

    public async ValueTask DisposeAsync()
    {
        if (host is not null)
        {
            await host.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_silo_that_dies_under_a_call_is_retried_and_the_call_answers()
    {
        using var http = Host.Client("transient");
        var job = await http.SubmitOkAsync(new JobRequest { Prompt = "a fox", Frames = 5, Steps = 1 });

        dyingSilo.FailNext(2);
        using var response = await http.GetAsync(new Uri($"/v1/jobs/{job.Id}", UriKind.Relative), Api.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(0, dyingSilo.Remaining);
    }

    [Fact]
    public async Task A_silo_unavailable_for_longer_answers_503_with_retry_after()
    {
        using var http = Host.Client("transient");
        var job = await http.SubmitOkAsync(new JobRequest { Prompt = "a fox", Frames = 5, Steps = 1 });

        dyingSilo.FailNext(1000);
        using var response = await http.GetAsync(new Uri($"/v1/jobs/{job.Id}", UriKind.Relative), Api.Token);
        dyingSilo.FailNext(0);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.Contains("SiloUnavailableException", (await response.ProblemAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Redis_down_answers_503_with_retry_after_and_readiness_fails_within_about_a_second()
    {
        using var http = Host.Client("transient");

        store.Down = true;
        using var listing = await http.GetAsync(new Uri("/v1/jobs", UriKind.Relative), Api.Token);
        store.Latency = TimeSpan.FromSeconds(6);
        var started = TimeProvider.System.GetTimestamp();
        using var ready = await http.GetAsync(new Uri("/readyz", UriKind.Relative), Api.Token);
        var readyTook = TimeProvider.System.GetElapsedTime(started);
        store.Down = false;

        Assert.Equal(HttpStatusCode.ServiceUnavailable, listing.StatusCode);
        Assert.NotNull(listing.Headers.RetryAfter);
        Assert.Equal("application/problem+json", listing.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.True(readyTook < TimeSpan.FromSeconds(2), $"/readyz took {readyTook.TotalSeconds:0.0} s with the store down");
    }

    /// <summary>Fails the gateway's reads of a job as a call to a silo that just died does.</summary>
    private sealed class DyingSiloFilter : IOutgoingGrainCallFilter
    {
        private int remaining;

        public int Remaining => Volatile.Read(ref remaining);

        public void FailNext(int calls) => Volatile.Write(ref remaining, calls);

        public Task Invoke(IOutgoingGrainCallContext context)
        {
            if (context.InterfaceName.Contains(nameof(IJobGrain), StringComparison.Ordinal) && context.MethodName == nameof(IJobGrain.GetState)
                && Interlocked.Decrement(ref remaining) >= 0)
            {
                throw new SiloUnavailableException("The target silo became unavailable for message: GetState");
            }

            Interlocked.Exchange(ref remaining, Math.Max(0, Remaining));
            return context.Invoke();
        }
    }

    /// <summary>The in-memory store, or, while <see cref="Down"/>, one that fails as Redis does when unreachable: after <see cref="Latency"/> (a command timing out), with an error.</summary>
    private sealed class SwitchableStore : IJobStore
    {
        private readonly InMemoryJobStore inner = new();

        public volatile bool Down;

        public TimeSpan Latency { get; set; }

        public Task<JobState?> GetAsync(string jobId, CancellationToken cancellationToken = default) => Use(() => inner.GetAsync(jobId, cancellationToken));

        public Task<IReadOnlyList<JobState>> GetManyAsync(IReadOnlyList<string> jobIds, CancellationToken cancellationToken = default) => Use(() => inner.GetManyAsync(jobIds, cancellationToken));

        public Task<bool> TryCreateAsync(JobState job, CancellationToken cancellationToken = default) => Use(() => inner.TryCreateAsync(job, cancellationToken));

        public Task UpdateAsync(JobState previous, JobState replacement, CancellationToken cancellationToken = default) =>
            Use(async () => { await inner.UpdateAsync(previous, replacement, cancellationToken); return true; });

        public Task<JobState?> FindRenderAsync(string contentKey, string? tenant, CancellationToken cancellationToken = default) =>
            Use(() => inner.FindRenderAsync(contentKey, tenant, cancellationToken));

        public Task<IReadOnlyList<JobState>> ListActiveAsync(string pool, CancellationToken cancellationToken = default) => Use(() => inner.ListActiveAsync(pool, cancellationToken));

        public Task<JobPage> ListAsync(JobQuery query, CancellationToken cancellationToken = default) => Use(() => inner.ListAsync(query, cancellationToken));

        public Task<bool> TryCreateBatchAsync(BatchState batch, CancellationToken cancellationToken = default) => Use(() => inner.TryCreateBatchAsync(batch, cancellationToken));

        public Task<BatchState?> GetBatchAsync(string batchId, CancellationToken cancellationToken = default) => Use(() => inner.GetBatchAsync(batchId, cancellationToken));

        public Task<BatchPage> ListBatchesAsync(string tenant, int limit, long cursor = 0, CancellationToken cancellationToken = default) =>
            Use(() => inner.ListBatchesAsync(tenant, limit, cursor, cancellationToken));

        public Task<BatchCounts?> GetBatchCountsAsync(string batchId, CancellationToken cancellationToken = default) => Use(() => inner.GetBatchCountsAsync(batchId, cancellationToken));

        public Task<BatchCounts> RecountBatchAsync(string batchId, CancellationToken cancellationToken = default) => Use(() => inner.RecountBatchAsync(batchId, cancellationToken));

        private async Task<T> Use<T>(Func<Task<T>> call)
        {
            if (Down)
            {
                await Task.Delay(Latency);
                throw new JobStoreException("job:x", "Redis failed: No connection is active/available to service this operation", new IOException("connection refused"));
            }

            return await call();
        }
    }
}
