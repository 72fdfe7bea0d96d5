using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using TurboDiffusion.Client.Models;
using TurboDiffusion.Farm.Webhooks;
using TurboDiffusion.Gateway.Auth;
using TurboDiffusion.Gateway.Hosting;
using TurboDiffusion.Gateway.Tests.Support;
using TurboDiffusion.Gateway.Webhooks;

namespace TurboDiffusion.Gateway.Tests.Webhooks;

/// <summary>A farm without Turbo:Webhooks:AllowPrivateTargets sends webhooks only to public addresses: checked at submission and again when the call connects.</summary>
public sealed class WebhookTargetCheckTests : IAsyncLifetime
{
    private GatewayHost? host;
    private WebhookReceiver? receiver;

    private GatewayHost Host => host!;

    private WebhookReceiver Receiver => receiver!;

    public async ValueTask InitializeAsync()
    {
        receiver = await WebhookReceiver.StartAsync();
        host = await GatewayHost.StartAsync(["hooked"], settings: new Dictionary<string, string?>
        {
            ["Turbo:Webhooks:SigningSecret"] = "webhook-secret-0123456789",
            ["Turbo:Webhooks:PollInterval"] = "00:00:00.020",
        });
    }

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        await Receiver.DisposeAsync();
    }

    [Theory]
    [InlineData("http://127.0.0.1:9/hook", "127.0.0.1, a loopback address")]
    [InlineData("http://localhost:9/hook", "a loopback address")]
    [InlineData("http://[::1]:9/hook", "::1, a loopback address")]
    [InlineData("http://10.20.30.40/hook", "a private address")]
    [InlineData("http://169.254.169.254/latest/meta-data/", "the cloud metadata address")]
    [InlineData("http://[fd00:ec2::254]/latest/meta-data/", "the cloud metadata address")]
    [InlineData("http://100.100.100.200/", "CGNAT")]
    public async Task A_job_whose_webhook_resolves_inside_the_farms_network_is_refused_naming_webhook_and_why(string webhook, string why)
    {
        using var http = Host.Client("hooked");

        using var response = await http.SubmitAsync(new JobRequest { Prompt = "a kite", Webhook = new Uri(webhook) }, Guid.NewGuid().ToString());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = (await response.ProblemAsync()).GetProperty("errors").GetProperty("webhook")[0].GetString();
        Assert.Contains(why, problem, StringComparison.Ordinal);
        Assert.Contains("Turbo:Webhooks:AllowPrivateTargets", problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_public_webhook_is_accepted()
    {
        using var http = Host.Client("hooked");

        using var response = await http.SubmitAsync(new JobRequest { Prompt = "a kite", Webhook = new Uri("http://203.0.113.9/hook") }, Guid.NewGuid().ToString());

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Fact]
    public async Task A_batch_line_whose_webhook_is_private_is_refused_naming_the_line()
    {
        using var http = Host.Client("hooked");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/batches")
        {
            Content = new StringContent("{\"prompt\": \"one\", \"webhook\": \"http://203.0.113.9/hook\"}\n{\"prompt\": \"two\", \"webhook\": \"http://192.168.0.10/hook\"}\n", Encoding.UTF8, "application/x-ndjson"),
        };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());

        using var response = await http.SendAsync(request, Api.Token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = (await response.ProblemAsync()).GetProperty("errors").GetProperty("lines[2].webhook")[0].GetString();
        Assert.Contains("192.168.0.10, a private address", problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_call_whose_host_resolves_to_loopback_when_it_connects_is_given_up_without_reaching_it()
    {
        using var http = Host.Client("hooked");
        var job = await http.SubmitOkAsync(new JobRequest { Prompt = "a kite" });
        var state = await Host.App.Services.GetRequiredService<FarmAccess>().VisibleJobAsync(job.Id, new Caller("hooked", IsAdmin: false));
        var target = new UriBuilder(Receiver.BaseAddress) { Host = "localhost", Path = "/rebound" }.Uri;
        var delivery = new WebhookDelivery("whd_rebound", job.Id, "hooked", target, "job.queued", state, DateTimeOffset.UtcNow);
        var dispatcher = Host.App.Services.GetServices<IHostedService>().OfType<WebhookDispatcher>().Single();

        var outcome = await dispatcher.AttemptAsync(delivery, Host.App.Services.GetRequiredService<IOptionsMonitor<WebhookOptions>>().CurrentValue, Api.Token);

        Assert.Empty(Receiver.Calls);
        Assert.Equal(WebhookDeliveryStatus.GaveUp, outcome.Status);
        Assert.Equal(1, outcome.Attempts);
        Assert.Contains("a loopback address", outcome.LastError, StringComparison.Ordinal);
        Assert.Contains("Turbo:Webhooks:AllowPrivateTargets", outcome.LastError, StringComparison.Ordinal);
    }
}
