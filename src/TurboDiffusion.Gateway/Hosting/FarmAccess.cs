using Microsoft.Extensions.Options;
using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Farm.Progress;
using TurboDiffusion.Farm.Stores;
using TurboDiffusion.Gateway.Auth;
using TurboDiffusion.Farm.Webhooks;
using TurboDiffusion.Gateway.Options;
using TurboDiffusion.Gateway.Webhooks;

namespace TurboDiffusion.Gateway.Hosting;

/// <summary>What the API handlers reach the farm through: the grains, the job store (listings), progress streams and artifacts.</summary>
public sealed class FarmAccess(
    IGrainFactory grains,
    IJobStore store,
    IProgressLog progress,
    IArtifactStore artifacts,
    IOptionsMonitor<GatewayOptions> options,
    IOptionsMonitor<WebhookOptions> webhooks,
    IWebhookOutbox outbox,
    WebhookTargetCheck webhookTargets,
    TimeProvider time)
{
    public IGrainFactory Grains { get; } = grains;

    public IJobStore Store { get; } = store;

    public IProgressLog Progress { get; } = progress;

    public IArtifactStore Artifacts { get; } = artifacts;

    public GatewayOptions Options => options.CurrentValue;

    /// <summary>Webhooks can be signed (Turbo:Webhooks:SigningSecret is set); jobs asking for one are refused otherwise.</summary>
    public bool WebhooksEnabled => webhooks.CurrentValue.SigningSecret is not null;

    public IWebhookOutbox Outbox { get; } = outbox;

    public WebhookTargetCheck WebhookTargets { get; } = webhookTargets;

    public TimeProvider Time { get; } = time;

    /// <summary>
    /// The records with the latest coarse progress: the store holds progress as of the last stored change, while the
    /// grains of running jobs know the latest step.
    /// </summary>
    public async Task<IReadOnlyList<JobState>> WithLatestProgressAsync(IEnumerable<JobState> jobs) =>
        await Task.WhenAll(jobs.Select(async j => j.Status.IsLeased() ? await Grains.GetGrain<IJobGrain>(j.JobId).GetState() ?? j : j));

    /// <summary>The job, if it exists and the caller may see it; another tenant's job reads as not found.</summary>
    public async Task<JobState> VisibleJobAsync(string jobId, Caller caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        // Grain keys may not be blank; a blank id (GET /v1/jobs/%20) names no job.
        if (string.IsNullOrWhiteSpace(jobId))
        {
            throw new JobNotFoundException(jobId);
        }

        var job = await Grains.GetGrain<IJobGrain>(jobId).GetState();
        return job is not null && caller.CanSee(job.Spec.Tenant) ? job : throw new JobNotFoundException(jobId);
    }
}
