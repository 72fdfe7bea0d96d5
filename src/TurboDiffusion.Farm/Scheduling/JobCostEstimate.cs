using TurboDiffusion.Engine;
using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Farm.Options;

namespace TurboDiffusion.Farm.Scheduling;

/// <summary>
/// GPU-seconds one job is expected to take, from its spec alone (nothing measured):
/// <c>steps x StepSeconds[model] x (tokens / 32,760)^1.5 + OverheadSeconds x tokens / 32,760</c>,
/// where tokens are the clip's DiT tokens (<see cref="FrameSize.Tokens"/>) and 32,760 those of 832x480x81.
/// The sampler grows faster than its tokens (attention is quadratic in them, the linears linear): the 14B rows of
/// docs/benchmarks.md go from 3.64 s a forward at 32,760 tokens to 12.97 s at 75,600, 3.56x for 2.31x the tokens, and
/// 2.31^1.5 = 3.51. The rest of a job (decode, MP4) grows with the pixels, so linearly.
/// </summary>
public sealed class JobCostEstimate
{
    /// <summary>DiT tokens of 832x480x81, the clip the configured seconds are measured at.</summary>
    public const double ReferenceTokens = 32_760;

    /// <summary>How the sampler's time grows with tokens, fitted to the 14B at 480p and 720p.</summary>
    public const double TokenExponent = 1.5;

    private readonly Dictionary<string, double> stepSeconds;
    private readonly JobCostOptions options;

    public JobCostEstimate(JobCostOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.options = options;

        // Model ids match in any case, whatever dictionary configuration binding left behind.
        stepSeconds = new Dictionary<string, double>(options.StepSeconds, StringComparer.OrdinalIgnoreCase);
    }

    public double GpuSeconds(QueueTicket ticket) => Figures(ticket).Seconds;

    /// <summary>The estimate split into one sampler step and the rest of the job (counted as its tail: decode, MP4).</summary>
    public CostFigures Figures(QueueTicket ticket)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        var (width, height) = FrameSize.For(EngineEnums.ToEngine(ticket.Resolution), EngineEnums.ToEngine(ticket.Aspect));
        var scale = FrameSize.Tokens(width, height, ticket.Frames) / ReferenceTokens;
        var perStep = stepSeconds.TryGetValue(ticket.Model, out var listed) ? listed : options.UnlistedStepSeconds;
        var tail = options.OverheadSeconds * scale;
        return new CostFigures((ticket.Steps * perStep * Math.Pow(scale, TokenExponent)) + tail, perStep * Math.Pow(scale, TokenExponent), tail, CostSource.Configured);
    }
}
