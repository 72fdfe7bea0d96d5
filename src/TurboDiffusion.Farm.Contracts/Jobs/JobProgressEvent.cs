namespace TurboDiffusion.Farm.Contracts;

/// <summary>One fine-grained progress event (every sampler step), as kept in a job's progress stream.</summary>
/// <param name="Id">The stream position; pass it back to read only later events (SSE Last-Event-ID).</param>
[GenerateSerializer, Immutable, Alias("turbo.JobProgressEvent.v1")]
public sealed record JobProgressEvent(
    [property: Id(0)] string Id,
    [property: Id(1)] JobStage Stage,
    [property: Id(2)] int Done,
    [property: Id(3)] int Total,
    [property: Id(4)] TimeSpan Elapsed,
    [property: Id(5)] DateTimeOffset At);
