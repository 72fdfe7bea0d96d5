using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Farm.Options;
using TurboDiffusion.Farm.Scheduling;
using TurboDiffusion.Farm.Tests.Support;

namespace TurboDiffusion.Farm.Tests.Scheduling;

public sealed class JobCostTests
{
    private static readonly JobCostEstimate Estimate = new(new JobCostOptions());

    private static JobCost Cost(AdmissionOptions options) => new(Microsoft.Extensions.Options.Options.Create(options), Estimate);

    private static JobSpec Spec(string model, JobResolution resolution, int steps = 4, int frames = 81) =>
        Specs.Job(model: model, steps: steps) with { Resolution = resolution, Frames = frames };

    [Fact]
    public void In_gpu_seconds_mode_a_job_counts_its_estimate_which_its_ticket_carries()
    {
        var cost = Cost(new AdmissionOptions { QuotaUnit = QuotaUnits.GpuSeconds });
        var spec = Spec("random-14B", JobResolution.P720);

        var ticket = cost.TicketOf("j1", spec, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch);

        Assert.Equal(Estimate.GpuSeconds(QueueTicket.For("j1", spec, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch)), ticket.GpuSeconds, 9);
        Assert.Equal(ticket.GpuSeconds, cost.Of(ticket), 9);
        Assert.Equal(ticket.GpuSeconds, cost.Of(spec), 9);
        Assert.True(cost.GpuSeconds(spec) > cost.GpuSeconds(Spec("random-14B", JobResolution.P480)));
        Assert.Equal(("gpu-seconds", "Turbo:Admission:MaxQueuedGpuSecondsPerTenant"), (cost.Unit, cost.QuotaSetting));
        Assert.Equal("1,234.5 GPU-seconds", cost.Format(1234.5));
    }

    [Fact]
    public void In_jobs_mode_every_job_counts_one_whatever_its_estimate()
    {
        var cost = Cost(new AdmissionOptions());
        var spec = Spec("random-14B", JobResolution.P720);

        Assert.Equal(1, cost.Of(spec));
        Assert.Equal(1, cost.Of(cost.TicketOf("j1", spec, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch)));
        Assert.Equal(cost.GpuSeconds(spec), cost.TicketOf("j1", spec, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch).GpuSeconds, 9);
        Assert.Equal(("jobs", 100_000.0, "Turbo:Admission:MaxQueuedPerTenant"), (cost.Unit, cost.Quota, cost.QuotaSetting));
        Assert.Equal(("1 job", "3 jobs"), (cost.Format(1), cost.Format(3)));
    }

    [Fact]
    public void A_bad_quota_unit_is_rejected_naming_the_key_and_the_fix()
    {
        var result = new AdmissionOptionsValidator().Validate(null, new AdmissionOptions { QuotaUnit = "seconds" });

        Assert.Contains("Turbo:Admission:QuotaUnit is 'seconds'; set it to 'jobs' (count queued jobs) or 'gpu-seconds' (count their estimated GPU time).", result.Failures!);
    }
}
