using System.Net;
using TurboDiffusion.Client.Models;
using TurboDiffusion.Gateway.Tests.Support;
using TurboDiffusion.Silo.Simulation;

namespace TurboDiffusion.Gateway.Tests.Apis;

/// <summary>A gateway with tight limits: 1 request a second per tenant after a burst of 5, one queued job per tenant, and an engine that never finishes.</summary>
public sealed class LimitsTests : IAsyncLifetime
{
    private GatewayHost? host;

    private GatewayHost Host => host!;

    public async ValueTask InitializeAsync() =>
        host = await GatewayHost.StartAsync(["flooder", "quota"], new SimulatedVideoEngine { Behavior = (_, _) => SimulatedBehavior.Hang }, new Dictionary<string, string?>
        {
            ["Turbo:Gateway:RateLimit:PermitsPerSecond"] = "1",
            ["Turbo:Gateway:RateLimit:Burst"] = "5",
            ["Turbo:Admission:MaxQueuedPerTenant"] = "1",
            ["Turbo:Worker:DrainGracePeriod"] = "00:00:00.200",
        });

    public async ValueTask DisposeAsync() => await Host.DisposeAsync();

    [Fact]
    public async Task A_tenant_over_its_request_rate_gets_429_with_retry_after_while_others_are_served()
    {
        using var flooder = Host.Client("flooder");
        using var quiet = Host.Client("quota");
        var statuses = new List<HttpResponseMessage>();

        for (var i = 0; i < 30; i++)
        {
            statuses.Add(await flooder.GetAsync(new Uri("/v1/jobs", UriKind.Relative), Api.Token));
        }

        using var other = await quiet.GetAsync(new Uri("/v1/jobs", UriKind.Relative), Api.Token);
        var rejected = statuses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.NotEmpty(rejected);
        Assert.True(rejected[0].Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
        Assert.Contains("Turbo:Gateway:RateLimit", (await rejected[0].ProblemAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        statuses.ForEach(r => r.Dispose());
    }

    [Fact]
    public async Task A_tenant_over_its_queue_quota_gets_429_with_the_farms_retry_after()
    {
        using var http = Host.Client("quota");
        HttpResponseMessage? rejected = null;

        for (var i = 0; i < 3 && rejected is null; i++)
        {
            var response = await http.SubmitAsync(new JobRequest { Prompt = $"shot {i}" }, Guid.NewGuid().ToString());
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                rejected = response;
            }
            else
            {
                Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
                response.Dispose();
            }
        }

        Assert.NotNull(rejected);
        Assert.Equal(TimeSpan.FromSeconds(30), rejected.Headers.RetryAfter?.Delta);
        var problem = await rejected.ProblemAsync();
        Assert.Contains("Retry after 30 s", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(30, problem.GetProperty("retryAfterSeconds").GetInt32());
        rejected.Dispose();
    }
}
