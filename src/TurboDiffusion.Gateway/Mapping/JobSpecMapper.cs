using TurboDiffusion.Client.Models;
using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Gateway.Auth;
using FarmPriority = TurboDiffusion.Farm.Contracts.JobPriority;
using FarmResolution = TurboDiffusion.Farm.Contracts.JobResolution;

namespace TurboDiffusion.Gateway.Mapping;

/// <summary>
/// Turns the API's job request into the farm's job spec, filling defaults; problems name the field and the fix. Values
/// outside the vocabulary never get here (reading the body refuses them); the farm's rules run on the result.
/// </summary>
public static class JobSpecMapper
{
    public const int DefaultFrames = 81;
    public const int DefaultSteps = 4;

    /// <summary>The spec, or the problems (each "field: problem; fix"). Farm-side checks run on the result as well.</summary>
    public static (JobSpec? Spec, IReadOnlyList<string> Problems) Map(JobRequest request, Caller caller, string defaultModel, string? idempotencyKey, bool webhooksEnabled)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(caller);
        var problems = new List<string>();
        var tenant = request.Tenant ?? caller.Tenant;
        if (tenant != caller.Tenant && !caller.IsAdmin)
        {
            problems.Add($"tenant: '{tenant}' is not your tenant; leave it out (your key submits for '{caller.Tenant}').");
        }

        var model = request.Model ?? defaultModel;
        var resolution = request.Resolution is { } r ? VocabularyMapper.ToFarm(r)
            : model == GatewayDefaults.TinyModel ? FarmResolution.P144
            : FarmResolution.P480;
        var aspect = request.AspectRatio is { } a ? VocabularyMapper.ToFarm(a) : JobAspect.Landscape16x9;
        var priority = request.Priority is { } p ? VocabularyMapper.ToFarm(p) : FarmPriority.Normal;
        if (request.Webhook is not null && !webhooksEnabled)
        {
            problems.Add("webhook: this farm sends no webhooks (Turbo:Webhooks:SigningSecret is not set); leave it out, or ask the operator to set the secret.");
        }

        if (request.Prompt is null)
        {
            problems.Add("prompt: is missing; describe the video to render.");
        }

        if (problems.Count > 0)
        {
            return (null, problems);
        }

        var spec = new JobSpec(request.Prompt!, model, resolution, aspect, request.Frames ?? DefaultFrames, request.Steps ?? DefaultSteps, request.Seed ?? 0,
            priority, tenant, idempotencyKey, null, request.Webhook, request.WriteFrames ?? false, Dedupe: request.Seed is not null && (request.Dedupe ?? true));
        return (spec, JobSpecValidator.Problems(spec));
    }
}

/// <summary>Names shared by the gateway's defaults.</summary>
public static class GatewayDefaults
{
    /// <summary>The built-in untrained model that runs on a CPU; its jobs default to 144p.</summary>
    public const string TinyModel = "tiny";
}
