using System.Globalization;
using Microsoft.Extensions.Options;
using TurboDiffusion.Engine;
using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Farm.Options;

namespace TurboDiffusion.Farm.Scheduling;

/// <summary>
/// What a job counts against its tenant's quota, in the configured unit (Turbo:Admission:QuotaUnit): one, or its
/// estimated GPU-seconds. The estimate is the DiT's sampling, which dominates a render on a GPU:
/// <c>steps × SecondsPerStep × tokens / ReferenceTokens</c>, with the model's step cost
/// (Turbo:Admission:StepCosts, else <see cref="StepCost.Measured"/>, else <see cref="StepCost.Default"/>). Text
/// encoding, VAE decode and upload are left out (a few seconds a job, docs/benchmarks.md "End to end"), and attention
/// grows faster than the token count, so a size far from the reference is under-estimated (the 1.3B at 720P measures
/// 783 ms a step against 647 ms scaled from 480P). Measured per-worker step times would replace these constants.
/// </summary>
internal sealed class JobCost(IOptions<AdmissionOptions> options)
{
    private AdmissionOptions Admission => options.Value;

    /// <summary>The unit the quota counts: <see cref="QuotaUnits.Jobs"/> or <see cref="QuotaUnits.GpuSeconds"/>.</summary>
    public string Unit => Admission.QuotaUnit;

    /// <summary>A tenant's quota in <see cref="Unit"/>.</summary>
    public double Quota => Admission.CountsGpuSeconds ? Admission.MaxQueuedGpuSecondsPerTenant : Admission.MaxQueuedPerTenant;

    /// <summary>The setting that holds <see cref="Quota"/>, to name in messages.</summary>
    public string QuotaSetting => $"{AdmissionOptions.Section}:{(Admission.CountsGpuSeconds ? nameof(AdmissionOptions.MaxQueuedGpuSecondsPerTenant) : nameof(AdmissionOptions.MaxQueuedPerTenant))}";

    /// <summary>What <paramref name="ticket"/> counts against its tenant's quota.</summary>
    public double Of(QueueTicket ticket)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        return Admission.CountsGpuSeconds ? ticket.GpuSeconds : 1;
    }

    /// <summary>What <paramref name="spec"/> counts against its tenant's quota.</summary>
    public double Of(JobSpec spec) => Admission.CountsGpuSeconds ? GpuSeconds(spec) : 1;

    /// <summary>The estimated GPU-seconds of <paramref name="spec"/>'s sampling, whatever the quota counts.</summary>
    public double GpuSeconds(JobSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var cost = Admission.StepCosts.GetValueOrDefault(spec.Model) ?? StepCost.Measured.GetValueOrDefault(spec.Model) ?? StepCost.Default;
        var (width, height) = FrameSize.Of(Resolution(spec.Resolution), Aspect(spec.Aspect));
        return spec.Steps * cost.SecondsPerStep * FrameSize.Tokens(width, height, spec.Frames) / cost.ReferenceTokens;
    }

    /// <summary>The scheduler's ticket of a job, carrying its estimated GPU-seconds.</summary>
    public QueueTicket TicketOf(string jobId, JobSpec spec, DateTimeOffset queuedAt, DateTimeOffset submittedAt)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return new QueueTicket(jobId, spec.Tenant, spec.Model, spec.Priority, queuedAt, submittedAt, spec.Resolution, GpuSeconds(spec));
    }

    /// <summary>An amount in <see cref="Unit"/> as messages show it: "1 job", "3 jobs", "1,234.5 GPU-seconds".</summary>
    public string Format(double amount) => Admission.CountsGpuSeconds
        ? string.Create(CultureInfo.InvariantCulture, $"{amount:N1} GPU-seconds")
        : string.Create(CultureInfo.InvariantCulture, $"{amount:N0} {(amount == 1 ? "job" : "jobs")}");

    private static VideoResolution Resolution(JobResolution resolution) => resolution switch
    {
        JobResolution.P144 => VideoResolution.P144,
        JobResolution.P480 => VideoResolution.P480,
        JobResolution.P720 => VideoResolution.P720,
        _ => throw new ArgumentOutOfRangeException(nameof(resolution), resolution, "No frame size for this resolution."),
    };

    private static AspectRatio Aspect(JobAspect aspect) => aspect switch
    {
        JobAspect.Landscape16x9 => AspectRatio.Landscape16x9,
        JobAspect.Portrait9x16 => AspectRatio.Portrait9x16,
        JobAspect.Square1x1 => AspectRatio.Square1x1,
        JobAspect.Landscape4x3 => AspectRatio.Landscape4x3,
        JobAspect.Portrait3x4 => AspectRatio.Portrait3x4,
        _ => throw new ArgumentOutOfRangeException(nameof(aspect), aspect, "No frame size for this aspect ratio."),
    };
}
