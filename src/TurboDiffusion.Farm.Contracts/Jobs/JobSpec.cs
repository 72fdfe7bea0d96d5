namespace TurboDiffusion.Farm.Contracts;

/// <summary>Output resolution class: the short side of the frame.</summary>
public enum JobResolution
{
    P480,
    P720,

    /// <summary>256x144 at 16:9: previews, and the built-in untrained tiny model on a CPU. Last, so stored values of the others stay.</summary>
    P144,
}

/// <summary>Frame aspect ratio, width:height.</summary>
public enum JobAspect
{
    Landscape16x9,
    Portrait9x16,
    Square1x1,
    Landscape4x3,
    Portrait3x4,
}

/// <summary>Scheduling priority; within a tenant a higher priority leases first, and waiting raises a job's priority (ageing).</summary>
public enum JobPriority
{
    Low = 0,
    Normal = 1,
    High = 2,
    Urgent = 3,
}

/// <summary>What a client asks the farm to render.</summary>
/// <param name="Prompt">The text prompt.</param>
/// <param name="Model">Model id the engine knows ("tiny", "wan2.1-t2v-1.3b", ...); also picks the scheduler pool.</param>
/// <param name="Frames">Frame count, 4k+1 (81 = 5 s at 16 fps).</param>
/// <param name="Steps">rCM sampler steps, 1 to 4.</param>
/// <param name="Tenant">Who pays and whose fair share this job draws from.</param>
/// <param name="IdempotencyKey">Resubmitting with the same key (per tenant) answers the original job instead of rendering twice.</param>
/// <param name="ImageReference">First frame for image-to-video (a blob or file reference the worker can read); null for text-to-video.</param>
/// <param name="Webhook">Called on state changes by the webhook dispatcher.</param>
/// <param name="WriteFrames">Also store each frame as PNG beside the MP4.</param>
/// <param name="Dedupe">
/// May be answered from the files of an identical finished render (<see cref="RenderKey"/>) instead of rendering. The
/// gateway sets it unless the request says <c>dedupe: false</c> or gives no seed (a seed left out is no promise of a
/// particular video).
/// </param>
[GenerateSerializer, Immutable, Alias("turbo.JobSpec.v1")]
public sealed record JobSpec(
    [property: Id(0)] string Prompt,
    [property: Id(1)] string Model,
    [property: Id(2)] JobResolution Resolution,
    [property: Id(3)] JobAspect Aspect,
    [property: Id(4)] int Frames,
    [property: Id(5)] int Steps,
    [property: Id(6)] long Seed,
    [property: Id(7)] JobPriority Priority,
    [property: Id(8)] string Tenant,
    [property: Id(9)] string? IdempotencyKey = null,
    [property: Id(10)] string? ImageReference = null,
    [property: Id(11)] Uri? Webhook = null,
    [property: Id(12)] bool WriteFrames = false,
    [property: Id(13)] bool Dedupe = false);
