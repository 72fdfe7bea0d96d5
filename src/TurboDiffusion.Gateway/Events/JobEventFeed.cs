using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using TurboDiffusion.Client.Models;
using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Gateway.Hosting;
using TurboDiffusion.Gateway.Mapping;

namespace TurboDiffusion.Gateway.Events;

/// <summary>
/// One job's Server-Sent Events. Progress events carry the progress log's position as their id, so a reconnect with
/// Last-Event-ID replays only what was missed; state events carry no id (the browser keeps the last one) and hold the
/// whole job, sent first on every connection and then on every change, so a resumed client is never behind. The
/// stream ends with the state event of the finished job.
/// </summary>
public sealed class JobEventFeed(FarmAccess farm, HttpResponse response)
{
    private const int ReadBatch = 200;

    public async Task RunAsync(JobState job, string? lastEventId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        var grain = farm.Grains.GetGrain<IJobGrain>(job.JobId);
        var after = lastEventId;
        var sent = job;
        await WriteStateAsync(job, cancellationToken);
        var stateIsLast = true;
        var lastWrite = farm.Time.GetTimestamp();
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                // State before progress: a worker appends its last steps before it finishes the job, so once the state
                // reads finished, the read after it holds every step.
                var current = await grain.GetState() ?? sent;
                var events = await farm.Progress.ReadAsync(job.JobId, after, ReadBatch, cancellationToken);
                foreach (var e in events)
                {
                    await WriteAsync(e.Id, "progress", new ProgressEventData(JobViewMapper.Stage(e.Stage), e.Done, e.Total, e.Elapsed.TotalSeconds, e.At), cancellationToken);
                    after = e.Id;
                    stateIsLast = false;
                }

                var finished = current.Status.IsTerminal() && events.Count < ReadBatch;
                if (current.Status != sent.Status || current.Version != sent.Version || current.CancelRequested != sent.CancelRequested || (finished && !stateIsLast))
                {
                    await WriteStateAsync(current, cancellationToken);
                    sent = current;
                    stateIsLast = true;
                    lastWrite = farm.Time.GetTimestamp();
                }
                else if (events.Count > 0)
                {
                    lastWrite = farm.Time.GetTimestamp();
                }
                else if (farm.Time.GetElapsedTime(lastWrite) >= farm.Options.EventKeepAlive)
                {
                    await response.WriteAsync(": keep-alive\n\n", cancellationToken);
                    await response.Body.FlushAsync(cancellationToken);
                    lastWrite = farm.Time.GetTimestamp();
                }

                if (finished)
                {
                    return;
                }

                if (events.Count < ReadBatch)
                {
                    await Task.Delay(farm.Options.EventPollInterval, farm.Time, cancellationToken);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client went away; it resumes with Last-Event-ID.
            return;
        }
    }

    private Task WriteStateAsync(JobState job, CancellationToken cancellationToken) =>
        WriteAsync(null, "state", JobViewMapper.ToView(job), cancellationToken);

    private async Task WriteAsync<T>(string? id, string type, T data, CancellationToken cancellationToken)
    {
        var frame = new StringBuilder();
        if (id is not null)
        {
            frame.Append("id: ").Append(id).Append('\n');
        }

        frame.Append("event: ").Append(type).Append('\n');
        frame.Append("data: ").Append(JsonSerializer.Serialize(data, TurboJson.Options)).Append("\n\n");
        await response.WriteAsync(frame.ToString(), cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }
}
