using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using TurboDiffusion.Client;
using TurboDiffusion.Client.Models;
using TurboDiffusion.Gateway.Tests.Support;

namespace TurboDiffusion.Gateway.Tests.Webhooks;

/// <summary>Webhooks from a real gateway to a receiver on loopback: signed, retried with back-off, one id per delivery.</summary>
public sealed class WebhookTests : IAsyncLifetime
{
    private const string Secret = "webhook-secret-0123456789";
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(200);

    private GatewayHost? host;
    private WebhookReceiver? receiver;

    private GatewayHost Host => host!;

    private WebhookReceiver Receiver => receiver!;

    public async ValueTask InitializeAsync()
    {
        receiver = await WebhookReceiver.StartAsync();
        host = await GatewayHost.StartAsync(["hooked"], settings: new Dictionary<string, string?>
        {
            ["Turbo:Webhooks:SigningSecret"] = Secret,
            ["Turbo:Webhooks:AllowPrivateTargets"] = "true",
            ["Turbo:Webhooks:FirstRetryDelay"] = "00:00:00.200",
            ["Turbo:Webhooks:PollInterval"] = "00:00:00.020",
            ["Turbo:Webhooks:MaxAttempts"] = "3",
        });
    }

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        await Receiver.DisposeAsync();
    }

    [Fact]
    public async Task State_changes_are_posted_signed_and_failed_calls_retried_with_back_off_under_the_same_id()
    {
        Receiver.Answer = (_, attempt) => attempt <= 2 ? 500 : 200;
        using var http = Host.Client("hooked");
        var job = await http.SubmitOkAsync(new JobRequest { Prompt = "a kite over dunes", Webhook = new Uri(Receiver.BaseAddress, "/hooks/studio") });
        await http.WaitForAsync(job.Id, j => j.IsFinished);

        var deliveries = await WaitForAsync(http, job.Id, d => d.Count == 3 && d.All(x => x.Status == "delivered"));

        Assert.Equal(["job.queued", "job.running", "job.succeeded"], deliveries.Select(d => d.Event));
        var calls = Receiver.Calls.ToList();
        Assert.All(calls, c => Assert.True(WebhookSignature.Verify(Secret, c.Id, c.Timestamp, c.Body, c.Signature, DateTimeOffset.UtcNow), $"call {c.Id} is not signed correctly"));
        var first = calls.Where(c => c.Id == deliveries[0].Id).ToList();
        Assert.Equal([500, 500, 200], first.Select(c => c.Answered));
        Assert.True(first[1].At - first[0].At >= FirstRetryDelay * 0.9, $"retried after {(first[1].At - first[0].At).TotalMilliseconds} ms");
        Assert.True(first[2].At - first[1].At >= FirstRetryDelay * 1.8, $"second retry after {(first[2].At - first[1].At).TotalMilliseconds} ms: the back-off does not grow");
        Assert.All(deliveries, d => Assert.Equal(3, d.Attempts));
        var succeeded = JsonSerializer.Deserialize<WebhookEvent>(calls.Last(c => c.Id == deliveries[2].Id).Body, TurboJson.Options)!;
        Assert.Equal("job.succeeded", succeeded.Type);
        Assert.Equal(job.Id, succeeded.Job.Id);
        Assert.Equal(JobStatus.Succeeded, succeeded.Job.Status);
        Assert.NotNull(succeeded.Job.Artifact);
    }

    [Fact]
    public async Task A_receiver_that_keeps_failing_is_given_up_after_max_attempts_and_410_at_once()
    {
        Receiver.Answer = (path, _) => path == "/gone" ? 410 : 503;
        using var http = Host.Client("hooked");
        var failing = await http.SubmitOkAsync(new JobRequest { Prompt = "nobody listens", Webhook = new Uri(Receiver.BaseAddress, "/down") });
        var gone = await http.SubmitOkAsync(new JobRequest { Prompt = "moved away", Webhook = new Uri(Receiver.BaseAddress, "/gone") });

        var down = await WaitForAsync(http, failing.Id, d => d.Count > 0 && d[0].Status == "gaveup");
        var moved = await WaitForAsync(http, gone.Id, d => d.Count > 0 && d[0].Status == "gaveup");

        Assert.Equal(3, down[0].Attempts);
        Assert.Equal(503, down[0].LastStatusCode);
        Assert.Contains("Turbo:Webhooks:MaxAttempts", down[0].LastError, StringComparison.Ordinal);
        Assert.Equal(1, moved[0].Attempts);
        Assert.Equal(410, moved[0].LastStatusCode);
    }

    private static async Task<List<WebhookDeliveryView>> WaitForAsync(HttpClient http, string jobId, Func<List<WebhookDeliveryView>, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        List<WebhookDeliveryView> deliveries;
        do
        {
            deliveries = (await http.GetFromJsonAsync<List<WebhookDeliveryView>>($"/v1/jobs/{jobId}/webhooks", TurboJson.Options, Api.Token))!;
            if (done(deliveries))
            {
                return deliveries;
            }

            await Task.Delay(50, Api.Token);
        }
        while (DateTime.UtcNow < deadline);

        throw new TimeoutException($"Webhook deliveries of {jobId}: {string.Join("; ", deliveries.Select(d => $"{d.Event} {d.Status} x{d.Attempts} {d.LastError}"))}");
    }
}
