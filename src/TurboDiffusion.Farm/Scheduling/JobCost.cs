using System.Globalization;
using Microsoft.Extensions.Options;
using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Farm.Options;

namespace TurboDiffusion.Farm.Scheduling;

/// <summary>
/// What a job counts against its tenant's quota, in the configured unit (Turbo:Admission:QuotaUnit): one, or its
/// estimated GPU-seconds (<see cref="JobCostEstimate"/>, Turbo:Cost), which the ticket carries from when it is made.
/// </summary>
internal sealed class JobCost(IOptions<AdmissionOptions> options, JobCostEstimate estimate)
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

    /// <summary>The estimated GPU-seconds of <paramref name="spec"/>, whatever the quota counts.</summary>
    public double GpuSeconds(JobSpec spec) => estimate.GpuSeconds(QueueTicket.For(string.Empty, spec, default, default));

    /// <summary>The scheduler's ticket of a job, carrying its estimated GPU-seconds.</summary>
    public QueueTicket TicketOf(string jobId, JobSpec spec, DateTimeOffset queuedAt, DateTimeOffset submittedAt)
    {
        var ticket = QueueTicket.For(jobId, spec, queuedAt, submittedAt);
        return ticket with { GpuSeconds = estimate.GpuSeconds(ticket) };
    }

    /// <summary>An amount in <see cref="Unit"/> as messages show it: "1 job", "3 jobs", "1,234.5 GPU-seconds".</summary>
    public string Format(double amount) => Admission.CountsGpuSeconds
        ? string.Create(CultureInfo.InvariantCulture, $"{amount:N1} GPU-seconds")
        : string.Create(CultureInfo.InvariantCulture, $"{amount:N0} {(amount == 1 ? "job" : "jobs")}");
}
