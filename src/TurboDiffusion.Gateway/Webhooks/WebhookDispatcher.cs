using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Prometheus;
using TurboDiffusion.Client;
using TurboDiffusion.Client.Models;
using TurboDiffusion.Farm.Stores;
using TurboDiffusion.Farm.Webhooks;
using TurboDiffusion.Gateway.Mapping;

namespace TurboDiffusion.Gateway.Webhooks;

/// <summary>
/// Sends due webhook deliveries: a signed POST of the event (<see cref="WebhookSignature"/>); a 2xx delivers it, 410
/// Gone or a target that resolves to an address webhooks may not go to (<see cref="WebhookConnector"/>) gives it up,
/// anything else (or no answer) is retried with doubling back-off until Turbo:Webhooks:MaxAttempts.
/// Every outcome is stored on the delivery. Runs outside grain turns; several gateways may run it side by side.
/// </summary>
public sealed partial class WebhookDispatcher(
    IWebhookOutbox outbox,
    IHttpClientFactory clients,
    IOptionsMonitor<WebhookOptions> options,
    TimeProvider time,
    ILogger<WebhookDispatcher> logger) : BackgroundService
{
    public const string HttpClientName = "turbo-webhooks";
    private const int ClaimBatch = 64;

    private static readonly Counter Calls = Metrics.CreateCounter("turbo_webhook_calls_total", "Webhook calls by result (delivered, retry, gave_up).", "result");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var current = options.CurrentValue;
            try
            {
                var due = await outbox.ClaimDueAsync(time.GetUtcNow(), ClaimBatch, current.Timeout * 3, stoppingToken);
                await Parallel.ForEachAsync(due, new ParallelOptions { MaxDegreeOfParallelism = current.Concurrency, CancellationToken = stoppingToken },
                    async (delivery, token) => await outbox.RecordAsync(await AttemptAsync(delivery, current, token), token));
                if (due.Count == ClaimBatch)
                {
                    continue;
                }
            }
            catch (JobStoreException e)
            {
                LogOutboxFailed(e);
            }

            try
            {
                await Task.Delay(current.PollInterval, time, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                LogStopped();
            }
        }
    }

    /// <summary>One call of <paramref name="delivery"/>; answers the delivery with its outcome and next attempt.</summary>
    public async Task<WebhookDelivery> AttemptAsync(WebhookDelivery delivery, WebhookOptions current, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        ArgumentNullException.ThrowIfNull(current);
        var attempt = delivery.Attempts + 1;
        if (current.SigningSecret is not { } secret)
        {
            return GiveUp(delivery, attempt, null, "Turbo:Webhooks:SigningSecret is not set, so nothing can be signed; set it and resubmit the job.");
        }

        var body = JsonSerializer.Serialize(new WebhookEvent(delivery.Id, delivery.Event, delivery.CreatedAt, JobViewMapper.ToView(delivery.Job, delivery.Estimate)), TurboJson.Options);
        var timestamp = time.GetUtcNow().ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, delivery.Url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add(WebhookSignature.IdHeader, delivery.Id);
        request.Headers.Add(WebhookSignature.TimestampHeader, timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add(WebhookSignature.SignatureHeader, WebhookSignature.Sign(secret, delivery.Id, timestamp, body));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(current.Timeout);
        try
        {
            using var response = await clients.CreateClient(HttpClientName).SendAsync(request, timeout.Token);
            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                Calls.WithLabels("delivered").Inc();
                return delivery with
                {
                    Status = WebhookDeliveryStatus.Delivered, Attempts = attempt, LastStatusCode = status, LastError = null,
                    NextAttemptAt = null, FinishedAt = time.GetUtcNow(),
                };
            }

            return response.StatusCode == HttpStatusCode.Gone
                ? GiveUp(delivery, attempt, status, "the receiver answered 410 Gone")
                : Retry(delivery, attempt, status, $"the receiver answered {status} {response.ReasonPhrase}", current);
        }
        catch (HttpRequestException e) when (Refusal(e) is { } refused)
        {
            return GiveUp(delivery, attempt, null, refused.Message);
        }
        catch (Exception e) when (e is HttpRequestException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return Retry(delivery, attempt, null, e is OperationCanceledException ? $"no answer within {current.Timeout.TotalSeconds:0.#} s" : e.Message, current);
        }
    }

    private static WebhookTargetRefusedException? Refusal(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is WebhookTargetRefusedException refused)
            {
                return refused;
            }
        }

        return null;
    }

    private WebhookDelivery Retry(WebhookDelivery delivery, int attempt, int? status, string error, WebhookOptions current)
    {
        if (attempt >= current.MaxAttempts)
        {
            return GiveUp(delivery, attempt, status, $"{error}; gave up after {attempt} attempts (Turbo:Webhooks:MaxAttempts)");
        }

        var delay = TimeSpan.FromTicks(Math.Min(current.MaxRetryDelay.Ticks, current.FirstRetryDelay.Ticks * (1L << Math.Min(attempt - 1, 30))));
        Calls.WithLabels("retry").Inc();
        LogRetry(delivery.Id, delivery.Url, attempt, error, delay);
        return delivery with { Attempts = attempt, LastStatusCode = status, LastError = error, NextAttemptAt = time.GetUtcNow() + delay };
    }

    private WebhookDelivery GiveUp(WebhookDelivery delivery, int attempt, int? status, string error)
    {
        Calls.WithLabels("gave_up").Inc();
        LogGaveUp(delivery.Id, delivery.Url, error);
        return delivery with
        {
            Status = WebhookDeliveryStatus.GaveUp, Attempts = attempt, LastStatusCode = status, LastError = error, NextAttemptAt = null,
            FinishedAt = time.GetUtcNow(),
        };
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Webhook {DeliveryId} to {Url}: attempt {Attempt} failed ({Error}); retrying in {Delay}")]
    private partial void LogRetry(string deliveryId, Uri url, int attempt, string error, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook {DeliveryId} to {Url} given up: {Error}")]
    private partial void LogGaveUp(string deliveryId, Uri url, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Webhook deliveries could not be read or stored; retrying")]
    private partial void LogOutboxFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Webhook dispatcher stopped")]
    private partial void LogStopped();
}
