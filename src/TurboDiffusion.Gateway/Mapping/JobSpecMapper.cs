using TurboDiffusion.Client.Models;
using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Gateway.Auth;
using FarmPriority = TurboDiffusion.Farm.Contracts.JobPriority;

namespace TurboDiffusion.Gateway.Mapping;

/// <summary>Turns the API's job request into the farm's job spec, filling defaults; problems name the field and the fix.</summary>
public static class JobSpecMapper
{
    public const int DefaultFrames = 81;
    public const int DefaultSteps = 4;

    public static readonly IReadOnlyDictionary<string, JobResolution> Resolutions = new Dictionary<string, JobResolution>(StringComparer.OrdinalIgnoreCase)
    {
        ["144p"] = JobResolution.P144,
        ["480p"] = JobResolution.P480,
        ["720p"] = JobResolution.P720,
    };

    public static readonly IReadOnlyDictionary<string, JobAspect> Aspects = new Dictionary<string, JobAspect>(StringComparer.Ordinal)
    {
        ["16:9"] = JobAspect.Landscape16x9,
        ["9:16"] = JobAspect.Portrait9x16,
        ["1:1"] = JobAspect.Square1x1,
        ["4:3"] = JobAspect.Landscape4x3,
        ["3:4"] = JobAspect.Portrait3x4,
    };

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
        JobResolution resolution = model == GatewayDefaults.TinyModel ? JobResolution.P144 : JobResolution.P480;
        if (request.Resolution is { } r && !Resolutions.TryGetValue(r, out resolution))
        {
            problems.Add($"resolution: '{r}' is not a resolution; use 144p, 480p or 720p.");
        }

        var aspect = JobAspect.Landscape16x9;
        if (request.AspectRatio is { } a && !Aspects.TryGetValue(a, out aspect))
        {
            problems.Add($"aspectRatio: '{a}' is not an aspect ratio; use 16:9, 9:16, 1:1, 4:3 or 3:4.");
        }

        var priority = request.Priority is { } p && Enum.IsDefined(p) ? (FarmPriority)(int)p : FarmPriority.Normal;
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
            priority, tenant, idempotencyKey, null, request.Webhook, request.WriteFrames ?? false);
        return (spec, JobSpecValidator.Problems(spec));
    }
}

/// <summary>Names shared by the gateway's defaults.</summary>
public static class GatewayDefaults
{
    /// <summary>The built-in untrained model that runs on a CPU; its jobs default to 144p.</summary>
    public const string TinyModel = "tiny";
}
