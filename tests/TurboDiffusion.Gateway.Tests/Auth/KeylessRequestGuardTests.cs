using System.Net;
using System.Text;
using TurboDiffusion.Client.Models;
using TurboDiffusion.Gateway.Tests.Support;
using TurboDiffusion.Silo.Simulation;

namespace TurboDiffusion.Gateway.Tests.Auth;

/// <summary>A keyless gateway answers only to loopback names and refuses state changes a web page could send: DNS rebinding and cross-site forms.</summary>
public sealed class KeylessRequestGuardTests(KeylessGateway gateway) : IClassFixture<KeylessGateway>
{
    private GatewayHost Host => gateway.Host;

    private string OwnOrigin => Host.BaseAddress.GetLeftPart(UriPartial.Authority);

    [Theory]
    [InlineData("evil.example")]
    [InlineData("evil.example:8480")]
    [InlineData("127.0.0.1.nip.io")]
    [InlineData("localhost.evil.example")]
    [InlineData("10.0.0.5:8480")]
    [InlineData("[fe80::1]")]
    public async Task A_host_name_other_than_loopback_answers_421_naming_host(string hostHeader)
    {
        using var http = Keyless();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/jobs");
        request.Headers.Host = hostHeader;

        using var response = await http.SendAsync(request, Api.Token);

        Assert.Equal(HttpStatusCode.MisdirectedRequest, response.StatusCode);
        Assert.Contains($"Host: '{hostHeader}'", (await response.ProblemAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("LocalHost:1234")]
    [InlineData("127.0.0.1")]
    [InlineData("127.0.0.2:9")]
    [InlineData("[::1]:8480")]
    [InlineData(KeylessGateway.AllowedName + ":443")]
    public async Task Loopback_names_with_any_port_and_configured_hosts_are_served(string hostHeader)
    {
        using var http = Keyless();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/jobs");
        request.Headers.Host = hostHeader;

        using var response = await http.SendAsync(request, Api.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Health_answers_a_probe_that_addresses_the_machine_by_another_name()
    {
        using var http = Keyless();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/healthz");
        request.Headers.Host = "10.1.2.3:8480";

        using var response = await http.SendAsync(request, Api.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("Origin", "http://evil.example")]
    [InlineData("Origin", "null")]
    [InlineData("Origin", "http://127.0.0.1:1")]
    [InlineData("Sec-Fetch-Site", "cross-site")]
    [InlineData("Sec-Fetch-Site", "same-site")]
    public async Task A_cross_site_cancel_is_refused_with_403_naming_the_header_and_the_job_runs_on(string header, string value)
    {
        using var http = Keyless();
        var job = await SubmitHangingAsync(http);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/jobs/{job.Id}/cancel");
        request.Headers.TryAddWithoutValidation(header, value);

        using var response = await http.SendAsync(request, Api.Token);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains($"{header}: '{value}'", (await response.ProblemAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.True(await IsUntouchedAsync(http, job.Id));
    }

    [Theory]
    [InlineData("application/x-www-form-urlencoded", "prompt=a+fox")]
    [InlineData("multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"prompt\"\r\n\r\na fox\r\n--x--\r\n")]
    [InlineData("text/plain", "{\"prompt\": \"a fox\"}")]
    public async Task A_form_content_type_answers_415_on_submissions_and_cancels(string contentType, string body)
    {
        using var http = Keyless();
        var job = await SubmitHangingAsync(http);
        using var submit = new HttpRequestMessage(HttpMethod.Post, "/v1/jobs") { Content = new StringContent(body, Encoding.UTF8) };
        submit.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        submit.Content.Headers.Remove("Content-Type");
        submit.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        using var cancel = new HttpRequestMessage(HttpMethod.Post, $"/v1/jobs/{job.Id}/cancel") { Content = new StringContent("", Encoding.UTF8) };
        cancel.Content.Headers.Remove("Content-Type");
        cancel.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);

        using var submitted = await http.SendAsync(submit, Api.Token);
        using var canceled = await http.SendAsync(cancel, Api.Token);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, submitted.StatusCode);
        Assert.Contains("Content-Type", (await submitted.ProblemAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, canceled.StatusCode);
        Assert.True(await IsUntouchedAsync(http, job.Id));
    }

    [Fact]
    public async Task The_gateways_own_pages_and_clients_outside_a_browser_may_cancel()
    {
        using var http = Keyless();
        var fromPage = await SubmitHangingAsync(http);
        var fromTool = await SubmitHangingAsync(http);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/jobs/{fromPage.Id}/cancel");
        request.Headers.Add("Origin", OwnOrigin);
        request.Headers.Add("Sec-Fetch-Site", "same-origin");

        using var samePage = await http.SendAsync(request, Api.Token);
        using var tool = await http.PostAsync(new Uri($"/v1/jobs/{fromTool.Id}/cancel", UriKind.Relative), null, Api.Token);

        Assert.Equal(HttpStatusCode.OK, samePage.StatusCode);
        Assert.Equal(HttpStatusCode.OK, tool.StatusCode);
        Assert.Equal(JobStatus.Canceled, (await http.WaitForAsync(fromPage.Id, j => j.IsFinished)).Status);
    }

    [Fact]
    public async Task A_gateway_with_keys_serves_any_host_name()
    {
        await using var keyed = await GatewayHost.StartAsync(["studio-k"]);
        using var http = keyed.Client("studio-k");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/jobs");
        request.Headers.Host = "farm.internal.example";
        request.Headers.Add("Origin", "http://elsewhere.example");

        using var response = await http.SendAsync(request, Api.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private HttpClient Keyless() => new() { BaseAddress = Host.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>A job that never finishes by itself (queued behind, or running on, the hanging worker).</summary>
    private static Task<JobView> SubmitHangingAsync(HttpClient http) => http.SubmitOkAsync(new JobRequest { Prompt = "a long render" });

    private static async Task<bool> IsUntouchedAsync(HttpClient http, string jobId)
    {
        var job = await http.WaitForAsync(jobId, _ => true);
        return !job.CancelRequested && job.Status != JobStatus.Canceled;
    }
}

/// <summary>A keyless gateway whose worker hangs on every job, so jobs stay cancelable; <c>farm.example</c> is named in AnonymousHosts.</summary>
public sealed class KeylessGateway : IAsyncLifetime
{
    public const string AllowedName = "farm.example";

    private GatewayHost? host;

    public GatewayHost Host => host ?? throw new InvalidOperationException("The keyless gateway has not started.");

    public async ValueTask InitializeAsync()
    {
        var engine = new SimulatedVideoEngine { StepTime = TimeSpan.FromMilliseconds(50), Behavior = (_, _) => SimulatedBehavior.Hang };
        host = await GatewayHost.StartAsync([], engine, new Dictionary<string, string?>
        {
            ["Turbo:Gateway:Anonymous"] = "true",
            ["Turbo:Gateway:AnonymousHosts:0"] = AllowedName,
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (host is not null)
        {
            await host.DisposeAsync();
        }
    }
}
