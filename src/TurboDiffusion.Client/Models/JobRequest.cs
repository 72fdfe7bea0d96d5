namespace TurboDiffusion.Client.Models;

/// <summary>
/// One render to submit (the body of <c>POST /v1/jobs</c>, and one line of a batch upload). Fields left out take the
/// gateway's defaults: its default model, 144p for the tiny model else 480p, 16:9, 81 frames, 4 steps, seed 0.
/// </summary>
public sealed record JobRequest
{
    /// <summary>What the video shows; 1 to 4000 characters.</summary>
    public required string Prompt { get; init; }

    /// <summary>Model id the farm serves ("tiny", "wan2.1-t2v-1.3b", ...).</summary>
    public string? Model { get; init; }

    public JobResolution? Resolution { get; init; }

    public JobAspectRatio? AspectRatio { get; init; }

    /// <summary>Frame count, 4k+1 between 5 and 241 (81 = 5 s at 16 fps).</summary>
    public int? Frames { get; init; }

    /// <summary>Sampler steps, 1 to 4.</summary>
    public int? Steps { get; init; }

    /// <summary>Seed of every noise draw: the same seed gives the same video.</summary>
    public long? Seed { get; init; }

    public JobPriority? Priority { get; init; }

    /// <summary>Receives signed POSTs on every state change of the job.</summary>
    public Uri? Webhook { get; init; }

    /// <summary>Also keep every frame as PNG beside the MP4.</summary>
    public bool? WriteFrames { get; init; }

    /// <summary>
    /// Whether the farm may answer this job from an identical finished render (same model and weights, prompt, image,
    /// seed, steps, size, frames and engine settings) instead of rendering it again; on by default, <c>false</c> opts
    /// out. A job without a <see cref="Seed"/> never reuses one.
    /// </summary>
    public bool? Dedupe { get; init; }

    /// <summary>Only an admin key may submit for another tenant; a tenant key always submits for its own.</summary>
    public string? Tenant { get; init; }
}
