using TurboDiffusion.Client.Models;

namespace TurboDiffusion.Cli.Farm;

/// <summary>How far a job is, 0 to 1, from its status and stage: the bar of one job in <c>turbo render</c>.</summary>
public static class RenderProgress
{
    public static double Fraction(JobView job)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (job.IsFinished)
        {
            return 1;
        }

        if (job.Progress is not { } p)
        {
            return job.Status == JobStatus.Queued ? 0 : 0.02;
        }

        var within = p.Total > 0 ? Math.Clamp(p.Done / (double)p.Total, 0, 1) : 0;
        return p.Stage switch
        {
            "loading_model" => 0.05 * within,
            "encoding_text" or "encoding_image" => 0.05 + (0.05 * within),
            "denoising" => 0.10 + (0.60 * within),
            "decoding" => 0.70 + (0.20 * within),
            "writing" => 0.90 + (0.05 * within),
            _ => 0.95 + (0.05 * within),
        };
    }

    /// <summary>"denoising 3/4", "queued", "succeeded".</summary>
    public static string Describe(JobView job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return job.Progress is { } p && !job.IsFinished
            ? $"{p.Stage.Replace('_', ' ')} {p.Done}/{p.Total}"
            : job.Status.ToString().ToLowerInvariant();
    }
}
