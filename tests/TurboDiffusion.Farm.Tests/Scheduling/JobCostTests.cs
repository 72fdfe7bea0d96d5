using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Farm.Options;
using TurboDiffusion.Farm.Scheduling;
using TurboDiffusion.Farm.Tests.Support;

namespace TurboDiffusion.Farm.Tests.Scheduling;

public sealed class JobCostTests
{
    private static JobCost Cost(AdmissionOptions options) => new(Microsoft.Extensions.Options.Options.Create(options));

    private static JobSpec Spec(string model, JobResolution resolution, int steps = 4, int frames = 81) =>
        Specs.Job(model: model, steps: steps) with { Resolution = resolution, Frames = frames };

    [Fact]
    public void The_estimate_is_steps_times_the_measured_step_at_the_reference_size()
    {
        var cost = Cost(new AdmissionOptions { QuotaUnit = QuotaUnits.GpuSeconds });

        Assert.Equal(4 * 0.2804, cost.GpuSeconds(Spec("random-1.3B", JobResolution.P480)), 9);
        Assert.Equal(4 * 4.5742, cost.GpuSeconds(Spec("random-14B", JobResolution.P720)), 9);
        Assert.Equal(cost.GpuSeconds(Spec("random-14B", JobResolution.P720)), cost.GpuSeconds(Spec("random-A14B", JobResolution.P720)), 9);
    }

    [Fact]
    public void The_estimate_scales_with_tokens_and_steps()
    {
        var cost = Cost(new AdmissionOptions { QuotaUnit = QuotaUnits.GpuSeconds });

        // 1280x720x81 is 75,600 tokens against the 1.3B's 32,760 at 480P; 41 frames are 11 latent frames of 21.
        Assert.Equal(2 * 0.2804 * 75_600 / 32_760, cost.GpuSeconds(Spec("random-1.3B", JobResolution.P720, steps: 2)), 9);
        Assert.Equal(4 * 0.2804 * 11 / 21, cost.GpuSeconds(Spec("random-1.3B", JobResolution.P480, frames: 41)), 9);
    }

    [Fact]
    public void A_configured_model_uses_its_own_step_cost_and_an_unknown_one_costs_as_the_14B()
    {
        var options = new AdmissionOptions { QuotaUnit = QuotaUnits.GpuSeconds };
        options.StepCosts["studio-finetune"] = new StepCost { SecondsPerStep = 1.5, ReferenceTokens = 32_760 };
        var cost = Cost(options);

        Assert.Equal(6.0, cost.GpuSeconds(Spec("studio-finetune", JobResolution.P480)), 9);
        Assert.Equal(4 * 4.5742 * 32_760 / 75_600, cost.GpuSeconds(Spec("unknown-model", JobResolution.P480)), 9);
    }

    [Fact]
    public void In_jobs_mode_every_job_counts_one_whatever_its_estimate()
    {
        var cost = Cost(new AdmissionOptions());
        var spec = Spec("random-14B", JobResolution.P720);

        Assert.Equal(1, cost.Of(spec));
        Assert.Equal(1, cost.Of(cost.TicketOf("j1", spec, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch)));
        Assert.Equal(4 * 4.5742, cost.TicketOf("j1", spec, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch).GpuSeconds, 9);
        Assert.Equal(("jobs", 100_000.0, "Turbo:Admission:MaxQueuedPerTenant"), (cost.Unit, cost.Quota, cost.QuotaSetting));
        Assert.Equal(("1 job", "3 jobs"), (cost.Format(1), cost.Format(3)));
    }

    [Fact]
    public void Bad_quota_units_and_step_costs_are_rejected_naming_the_key_and_the_fix()
    {
        var options = new AdmissionOptions { QuotaUnit = "seconds" };
        options.StepCosts["broken"] = new StepCost { SecondsPerStep = 0, ReferenceTokens = 0 };

        var result = new AdmissionOptionsValidator().Validate(null, options);

        Assert.Contains("Turbo:Admission:QuotaUnit is 'seconds'; set it to 'jobs' (count queued jobs) or 'gpu-seconds' (count their estimated GPU time).", result.Failures!);
        Assert.Contains("Turbo:Admission:StepCosts:broken:SecondsPerStep is 0; it must be between 1E-06 and 3600.", result.Failures!);
        Assert.Contains("Turbo:Admission:StepCosts:broken:ReferenceTokens is 0; it must be between 1 and 10000000.", result.Failures!);
    }
}
