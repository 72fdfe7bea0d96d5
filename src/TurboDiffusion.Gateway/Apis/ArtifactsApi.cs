using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Farm.Stores;
using TurboDiffusion.Gateway.Auth;
using TurboDiffusion.Gateway.Hosting;
using TurboDiffusion.Gateway.Posters;

namespace TurboDiffusion.Gateway.Apis;

/// <summary>
/// A finished job's files, streamed from the artifact store with range support (players seek in the MP4), or with
/// <c>?redirect=true</c> a 302 to a short-lived URL of the file in blob storage when the store can sign one.
/// </summary>
public static class ArtifactsApi
{
    public static IEndpointRouteBuilder MapArtifactsApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/v1/jobs").WithTags("Artifacts");
        group.MapGet("/{id}/video", GetVideo).WithName(nameof(GetVideo)).WithSummary("The MP4 of a succeeded job")
            .Produces(StatusCodes.Status200OK, contentType: "video/mp4").Produces(StatusCodes.Status302Found).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        group.MapGet("/{id}/sidecar", GetSidecar).WithName(nameof(GetSidecar)).WithSummary("The JSON sidecar of a succeeded job (prompt, seed, model, timings)")
            .Produces(StatusCodes.Status200OK, contentType: "application/json").ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        group.MapGet("/{id}/poster", GetPoster).WithName(nameof(GetPoster))
            .WithSummary("The first frame of a succeeded job's video as a JPEG at most 320 pixels wide (made by ffmpeg on the gateway, once)")
            .Produces(StatusCodes.Status200OK, contentType: "image/jpeg").ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        return endpoints;
    }

    public static async Task<Results<FileContentHttpResult, ProblemHttpResult>> GetPoster(string id, ClaimsPrincipal user, FarmAccess farm, PosterFrames posters, HttpResponse response, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(farm);
        ArgumentNullException.ThrowIfNull(posters);
        ArgumentNullException.ThrowIfNull(response);
        var job = await farm.VisibleJobAsync(id, Caller.From(user));
        if (job is not { Status: JobStatus.Succeeded, Artifact: { } artifact })
        {
            return TypedResults.Problem(Problems.Create(StatusCodes.Status409Conflict, "No poster yet",
                $"Job {id} is {job.Status}; its poster is the first frame of its video, there once it succeeded (watch /v1/jobs/{id}/events)."));
        }

        if (!posters.Available)
        {
            return TypedResults.Problem(Problems.Create(StatusCodes.Status404NotFound, "No poster",
                "This gateway has no ffmpeg on its PATH to take a video's first frame; install ffmpeg on the gateway (apt-get install ffmpeg) to serve posters."));
        }

        if (await posters.GetAsync(farm.Artifacts, artifact, cancellationToken) is not { } jpeg)
        {
            return TypedResults.Problem(Problems.Create(StatusCodes.Status404NotFound, "No poster",
                $"The video of job {id} has no frame ffmpeg can decode; download it (/v1/jobs/{id}/video) to look."));
        }

        // A succeeded job's video never changes, so neither does its poster: browsers keep it, tagged by its attempt.
        response.Headers.CacheControl = "private, max-age=86400";
        return TypedResults.File(jpeg, "image/jpeg", entityTag: new Microsoft.Net.Http.Headers.EntityTagHeaderValue($"\"{artifact.LeaseToken:N}\""));
    }

    public static Task<Results<FileStreamHttpResult, RedirectHttpResult, ProblemHttpResult>> GetVideo(string id, ClaimsPrincipal user, FarmAccess farm, CancellationToken cancellationToken, bool redirect = false) =>
        OpenAsync(id, user, farm, a => a.VideoName, "video/mp4", $"{id}.mp4", redirect, cancellationToken);

    public static Task<Results<FileStreamHttpResult, RedirectHttpResult, ProblemHttpResult>> GetSidecar(string id, ClaimsPrincipal user, FarmAccess farm, CancellationToken cancellationToken, bool redirect = false) =>
        OpenAsync(id, user, farm, a => a.SidecarName, "application/json", $"{id}.json", redirect, cancellationToken);

    private static async Task<Results<FileStreamHttpResult, RedirectHttpResult, ProblemHttpResult>> OpenAsync(
        string id, ClaimsPrincipal user, FarmAccess farm, Func<ArtifactRef, string> name, string contentType, string downloadName, bool redirect, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(farm);
        var job = await farm.VisibleJobAsync(id, Caller.From(user));
        if (job is not { Status: JobStatus.Succeeded, Artifact: { } artifact })
        {
            return TypedResults.Problem(Problems.Create(StatusCodes.Status409Conflict, "No video yet",
                $"Job {id} is {job.Status}; its files are available once it succeeded (watch /v1/jobs/{id}/events)."));
        }

        if (redirect && farm.Artifacts is IArtifactLinks links
            && links.TryCreateReadUrl(artifact, name(artifact), farm.Time.GetUtcNow() + farm.Options.ArtifactLinkLifetime) is { } url)
        {
            return TypedResults.Redirect(url.AbsoluteUri);
        }

        var stream = await farm.Artifacts.OpenReadAsync(artifact, name(artifact), cancellationToken);
        return TypedResults.Stream(stream, contentType, downloadName, enableRangeProcessing: stream.CanSeek);
    }
}
