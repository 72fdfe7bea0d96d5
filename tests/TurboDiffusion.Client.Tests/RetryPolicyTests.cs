using System.Net;
using System.Net.Http.Headers;

namespace TurboDiffusion.Client.Tests;

public sealed class RetryPolicyTests
{
    [Fact]
    public async Task A_429_asking_longer_than_max_retry_after_is_thrown_with_its_wait()
    {
        var handler = new Answering(() => Throttled(TimeSpan.FromSeconds(120)));
        using var client = new TurboFarmClient(new HttpClient(handler), new TurboClientOptions { BaseAddress = new Uri("http://127.0.0.1:9/"), RetryDelay = TimeSpan.FromMilliseconds(1) });

        var error = await Assert.ThrowsAsync<TurboFarmException>(() => client.GetAsync("job_1", TestContext.Current.CancellationToken));

        Assert.Equal(HttpStatusCode.TooManyRequests, error.Status);
        Assert.Equal(TimeSpan.FromSeconds(120), error.RetryAfter);
        Assert.Equal(1, handler.Calls);
    }

    [Fact]
    public async Task Server_errors_are_retried_up_to_the_limit_then_thrown()
    {
        var handler = new Answering(() => new HttpResponseMessage(HttpStatusCode.BadGateway));
        using var client = new TurboFarmClient(new HttpClient(handler), new TurboClientOptions { BaseAddress = new Uri("http://127.0.0.1:9/"), MaxRetries = 3, RetryDelay = TimeSpan.FromMilliseconds(1) });

        var error = await Assert.ThrowsAsync<TurboFarmException>(() => client.GetAsync("job_1", TestContext.Current.CancellationToken));

        Assert.Equal(HttpStatusCode.BadGateway, error.Status);
        Assert.Equal(4, handler.Calls);
    }

    private static HttpResponseMessage Throttled(TimeSpan wait)
    {
        var response = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        response.Headers.RetryAfter = new RetryConditionHeaderValue(wait);
        return response;
    }

    private sealed class Answering(Func<HttpResponseMessage> answer) : HttpMessageHandler
    {
        public int Calls { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Calls++;
            return Task.FromResult(answer());
        }
    }
}
