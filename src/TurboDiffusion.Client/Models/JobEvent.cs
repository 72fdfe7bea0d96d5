namespace TurboDiffusion.Client.Models;

/// <summary>
/// One event of a job's stream (<c>GET /v1/jobs/{id}/events</c>, Server-Sent Events): a <c>state</c> event carries the
/// whole job whenever its status changes (and first on every connection); a <c>progress</c> event carries one step.
/// </summary>
public abstract record JobEvent(string JobId);

/// <param name="EventId">The stream position; a resumed watch continues after it (Last-Event-ID).</param>
public sealed record JobProgressEvent(string JobId, string EventId, string Stage, int Done, int Total, double ElapsedSeconds, DateTimeOffset At) : JobEvent(JobId);

public sealed record JobStateEvent(JobView Job) : JobEvent(Job.Id);

/// <summary>The data of a progress event on the wire.</summary>
public sealed record ProgressEventData(string Stage, int Done, int Total, double ElapsedSeconds, DateTimeOffset At);
