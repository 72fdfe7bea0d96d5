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
        // The gateway is shared: other tests may have called this endpoint, so the counters are compared before and after.
        var before = await CountsAsync(http);

        using var missing = await http.GetAsync(new Uri("/v1/jobs/job_000000000000000000000000/webhooks", UriKind.Relative), Api.Token);
        var after = await CountsAsync(http);

        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(before.GetValueOrDefault("404") + 1, after.GetValueOrDefault("404"));
        Assert.Equal(before.GetValueOrDefault("200"), after.GetValueOrDefault("200"));
    }

    /// <summary>http_requests_received_total of the job-webhooks endpoint, by status code.</summary>
    private static async Task<Dictionary<string, double>> CountsAsync(HttpClient http)
    {
        var metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative), Api.Token);
        return metrics.Split('\n')
            .Where(l => l.StartsWith("http_requests_received_total{", StringComparison.Ordinal) && l.Contains("/v1/jobs/{id}/webhooks", StringComparison.Ordinal))
            .Select(l => (Code: CodeOf(l), Count: double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture)))
            .GroupBy(c => c.Code)
            .ToDictionary(g => g.Key, g => g.Sum(c => c.Count));
    }

    private static string CodeOf(string line)
    {
        var start = line.IndexOf("code=\"", StringComparison.Ordinal) + 6;
        return line[start..line.IndexOf('"', start)];
    }
}
