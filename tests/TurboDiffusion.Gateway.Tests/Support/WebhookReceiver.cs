using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace TurboDiffusion.Gateway.Tests.Support;

/// <summary>One call the receiver got.</summary>
public sealed record ReceivedCall(string Path, string Id, string Timestamp, string Signature, string Body, DateTimeOffset At, int Answered);

/// <summary>
/// A local webhook receiver on a loopback port: records every call and answers with <see cref="Answer"/> (given the
/// path and how many times this webhook-id has been received, this call included).
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly ConcurrentDictionary<string, int> counts = new(StringComparer.Ordinal);

    private WebhookReceiver(WebApplication app)
    {
        this.app = app;
    }

    /// <summary>Known once started.</summary>
    public Uri BaseAddress => new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    public ConcurrentQueue<ReceivedCall> Calls { get; } = new();

    public Func<string, int, int> Answer { get; set; } = (_, _) => StatusCodes.Status200OK;

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.MapPost("/{**path}", (Delegate)receiver.ReceiveAsync);
        await app.StartAsync(TestContext.Current.CancellationToken);
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync(CancellationToken.None);
        await app.DisposeAsync();
    }

    private async Task<IResult> ReceiveAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        var path = context.Request.Path.Value ?? "/";
        var id = context.Request.Headers["webhook-id"].ToString();
        var status = Answer(path, counts.AddOrUpdate(id, 1, (_, n) => n + 1));
        Calls.Enqueue(new ReceivedCall(path, id, context.Request.Headers["webhook-timestamp"].ToString(),
            context.Request.Headers["webhook-signature"].ToString(), body, DateTimeOffset.UtcNow, status));
        return Results.StatusCode(status);
    }
}
