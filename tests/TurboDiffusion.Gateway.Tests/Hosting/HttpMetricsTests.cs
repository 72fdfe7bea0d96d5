using System.Net;
using TurboDiffusion.Gateway.Tests.Support;

namespace TurboDiffusion.Gateway.Tests.Hosting;

/// <summary>The HTTP request counter records the status the client got, errors included.</summary>
[Collection(SharedGatewayGroup.Name)]
public sealed class HttpMetricsTests(SharedGateway gateway)
{
    [Fact]
    public async Task A_404_is_counted_with_code_404_on_its_endpoint()
    {
        using var http = gateway.Host.Client("studio-b");
        using var missing = await http.GetAsync(new Uri("/v1/jobs/job_000000000000000000000000/webhooks", UriKind.Relative), Api.Token);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);

        var metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative), Api.Token);

        var counted = metrics.Split('\n').Where(l => l.StartsWith("http_requests_received_total{", StringComparison.Ordinal)
            && l.Contains("/v1/jobs/{id}/webhooks", StringComparison.Ordinal)).ToList();
        Assert.Contains(counted, l => l.Contains("code=\"404\"", StringComparison.Ordinal));
        Assert.DoesNotContain(counted, l => l.Contains("code=\"200\"", StringComparison.Ordinal));
    }
}
